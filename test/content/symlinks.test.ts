import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { hashContent, largeContentWarning, listContent } from '../../src/content/content-hash.ts';
import { ConfigError } from '../../src/errors.ts';
import { LocalModelRegistry } from '../../src/registry/local-registry.ts';
import { tempDir } from '../support/tmp.ts';

async function layout(t: import('node:test').TestContext) {
  const dir = await tempDir(t);
  const model = path.join(dir, 'model');
  const outside = path.join(dir, 'outside');
  await mkdir(model);
  await mkdir(path.join(outside, 'deep'), { recursive: true });
  await writeFile(path.join(model, 'weights.bin'), 'w');
  await writeFile(path.join(outside, 'secret.txt'), 'secret');
  await writeFile(path.join(outside, 'deep', 'key.pem'), 'key');
  return { dir, model, outside };
}

function configError(pattern: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.match(err.message, pattern);
    assert.doesNotMatch(err.message, /ELOOP|ENOENT/);
    return true;
  };
}

test('a symlink to a file outside the folder is refused, naming the link and its target', async (t) => {
  const { model, outside } = await layout(t);
  await symlink(path.join(outside, 'secret.txt'), path.join(model, 'leak.txt'));
  await assert.rejects(
    hashContent(model, 'model'),
    configError(
      /^model\/leak\.txt: is a symlink to '.*outside\/secret\.txt'.*outside the folder.*follow-symlinks/,
    ),
  );
  // allowed: what it points at is content like any file
  const h = await hashContent(model, 'model', { followSymlinks: true });
  assert.deepEqual(
    h.files.map((f) => [f.relPath, f.size]),
    [
      ['leak.txt', 6],
      ['weights.bin', 1],
    ],
  );
});

test('a symlinked folder outside is refused too (relative link text shown), and followed when allowed', async (t) => {
  const { model } = await layout(t);
  await symlink('../outside', path.join(model, 'linked'));
  await assert.rejects(
    hashContent(model, 'model'),
    configError(/^model\/linked: .*link text '\.\.\/outside'/),
  );
  const listed = await listContent(model, 'model', { followSymlinks: true });
  assert.deepEqual(
    listed.files.map((f) => f.relPath),
    ['linked/deep/key.pem', 'linked/secret.txt', 'weights.bin'],
  );
});

test('symlinks that stay inside the folder are followed without the option', async (t) => {
  const { model } = await layout(t);
  await mkdir(path.join(model, 'sub'));
  await writeFile(path.join(model, 'sub', 'a.txt'), 'a');
  await symlink('sub/a.txt', path.join(model, 'alias.txt'));
  await symlink('sub', path.join(model, 'sub-alias'));
  const listed = await listContent(model, 'model');
  assert.deepEqual(
    listed.files.map((f) => f.relPath),
    ['alias.txt', 'sub-alias/a.txt', 'sub/a.txt', 'weights.bin'],
  );
});

test('dangling links and loops get a file-level message, not ENOENT or ELOOP', async (t) => {
  const { model } = await layout(t);
  await symlink('nowhere.txt', path.join(model, 'dangling'));
  await assert.rejects(
    hashContent(model, 'model'),
    configError(/^model\/dangling: is a dangling symlink: its target 'nowhere\.txt' does not exist$/),
  );
  for (const opts of [{}, { followSymlinks: true }]) {
    const m2 = path.join(await tempDir(t), 'm');
    await mkdir(m2);
    await symlink('b', path.join(m2, 'a'));
    await symlink('a', path.join(m2, 'b'));
    await assert.rejects(hashContent(m2, 'm', opts), configError(/^m\/a: is a symlink loop: 'b'/));
    const m3 = path.join(await tempDir(t), 'm');
    await mkdir(path.join(m3, 'sub'), { recursive: true });
    await writeFile(path.join(m3, 'x'), 'x');
    await symlink('..', path.join(m3, 'sub', 'up'));
    await assert.rejects(hashContent(m3, 'm', opts), configError(/^m\/sub\/up: is a symlink loop: '\.\.'/));
    // a link to a folder above the model folder leads back into it as well
    const m4 = path.join(await tempDir(t), 'm');
    await mkdir(m4);
    await writeFile(path.join(m4, 'x'), 'x');
    await symlink(path.dirname(m4), path.join(m4, 'parent'));
    await assert.rejects(
      hashContent(m4, 'm', { followSymlinks: true }),
      configError(/^m\/parent: is a symlink loop/),
    );
  }
});

test('an ignored dangling or outside link is not an error', async (t) => {
  const { model, outside } = await layout(t);
  await writeFile(path.join(model, '.amlignore'), 'dangling\nleak.txt\n');
  await symlink('nowhere', path.join(model, 'dangling'));
  await symlink(path.join(outside, 'secret.txt'), path.join(model, 'leak.txt'));
  const listed = await listContent(model, 'model');
  assert.deepEqual(
    listed.files.map((f) => f.relPath),
    ['.amlignore', 'weights.bin'],
  );
});

test('the local registry refuses an outside link unless followSymlinks is passed', async (t) => {
  const { dir, model, outside } = await layout(t);
  await symlink(path.join(outside, 'secret.txt'), path.join(model, 'leak.txt'));
  const registry = new LocalModelRegistry(path.join(dir, 'local'));
  const spec = { name: 'm', path: model, type: 'custom_model' } as Parameters<typeof registry.register>[0];
  await assert.rejects(registry.register(spec, { dedupe: true }), /leak\.txt: is a symlink to/);
  const registered = await registry.register(spec, { dedupe: true, followSymlinks: true });
  assert.match(registered.contentHash, /^sha256:/);
});

test('a folder with very many files or bytes gets a warning the caller can print', () => {
  const file = (i: number, size = 1) => ({ relPath: `f${i}`, absPath: `/x/f${i}`, size });
  assert.equal(largeContentWarning('code', 'src', { files: [file(1)] }), undefined);
  const many = Array.from({ length: 53_740 }, (_, i) => file(i, 15_000));
  assert.match(
    largeContentWarning('code', 'src', { files: many }) ?? '',
    /^src: the code folder holds 53740 files, 769 MiB .*\.amlignore/,
  );
  assert.match(
    largeContentWarning('code', 'src', { files: [file(1, 300 * 1024 * 1024)] }) ?? '',
    /1 files, 300 MiB/,
  );
  assert.equal(largeContentWarning('model', 'm', { files: [file(1, 300 * 1024 * 1024)] }), undefined);
});
