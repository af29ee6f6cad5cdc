import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { hashContent } from '../../src/content/content-hash.ts';
import { ConfigError } from '../../src/errors.ts';
import { tempDir } from '../support/tmp.ts';

test('a single file hashes as its base name, size and bytes', async (t) => {
  const dir = await tempDir(t);
  await writeFile(path.join(dir, 'm.pkl'), 'fake\n');
  const expected = createHash('sha256').update('m.pkl\u00005\u0000').update('fake\n').digest('hex');
  const h = await hashContent(path.join(dir, 'm.pkl'));
  assert.equal(h.hash, `sha256:${expected}`);
  assert.equal(h.kind, 'file');
  assert.equal(h.totalBytes, 5);
});

test('a folder hashes its files in sorted relative-path order, independent of creation order', async (t) => {
  const a = await tempDir(t);
  const b = await tempDir(t);
  await mkdir(path.join(a, 'sub'));
  await writeFile(path.join(a, 'z.txt'), 'z');
  await writeFile(path.join(a, 'sub', 'a.txt'), 'a');
  await mkdir(path.join(b, 'sub'));
  await writeFile(path.join(b, 'sub', 'a.txt'), 'a');
  await writeFile(path.join(b, 'z.txt'), 'z');
  const ha = await hashContent(a);
  const hb = await hashContent(b);
  assert.equal(ha.hash, hb.hash);
  assert.deepEqual(
    ha.files.map((f) => f.relPath),
    ['sub/a.txt', 'z.txt'],
  );
});

test('moving bytes between files or renaming a file changes the hash', async (t) => {
  const a = await tempDir(t);
  await writeFile(path.join(a, 'x'), 'ab');
  await writeFile(path.join(a, 'y'), 'c');
  const before = (await hashContent(a)).hash;
  await writeFile(path.join(a, 'x'), 'a');
  await writeFile(path.join(a, 'y'), 'bc');
  const moved = (await hashContent(a)).hash;
  assert.notEqual(before, moved);
});

test('.amlignore wins over .gitignore and supports negation, anchors and folder rules', async (t) => {
  const dir = await tempDir(t);
  await mkdir(path.join(dir, 'logs'));
  await mkdir(path.join(dir, 'data', 'logs'), { recursive: true });
  await writeFile(path.join(dir, '.amlignore'), '# comment\n*.tmp\n!keep.tmp\n/logs/\n');
  await writeFile(path.join(dir, '.gitignore'), 'model.bin\n');
  await writeFile(path.join(dir, 'model.bin'), 'weights');
  await writeFile(path.join(dir, 'a.tmp'), 'x');
  await writeFile(path.join(dir, 'keep.tmp'), 'x');
  await writeFile(path.join(dir, 'logs', 'run.log'), 'x');
  await writeFile(path.join(dir, 'data', 'logs', 'kept.log'), 'x');
  const h = await hashContent(dir);
  assert.deepEqual(
    h.files.map((f) => f.relPath),
    ['.amlignore', '.gitignore', 'data/logs/kept.log', 'keep.tmp', 'model.bin'],
  );
});

test('.gitignore applies when there is no .amlignore', async (t) => {
  const dir = await tempDir(t);
  await writeFile(path.join(dir, '.gitignore'), '__pycache__/\n*.pyc\n');
  await mkdir(path.join(dir, '__pycache__'));
  await writeFile(path.join(dir, '__pycache__', 'x.pyc'), 'x');
  await writeFile(path.join(dir, 'score.py'), 'x');
  const h = await hashContent(dir);
  assert.deepEqual(
    h.files.map((f) => f.relPath),
    ['.gitignore', 'score.py'],
  );
});

test('a 0-byte file is content too', async (t) => {
  const dir = await tempDir(t);
  await writeFile(path.join(dir, 'empty'), '');
  const h = await hashContent(dir);
  assert.equal(h.totalBytes, 0);
  assert.equal(h.files.length, 1);
});

test('missing path, empty folder and unreadable file are ConfigErrors naming the path', async (t) => {
  const dir = await tempDir(t);
  await assert.rejects(hashContent(path.join(dir, 'nope')), (err) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, /nope: model path does not exist/);
    return true;
  });
  await mkdir(path.join(dir, 'empty'));
  await assert.rejects(hashContent(path.join(dir, 'empty')), /the model folder is empty/);
  if (process.getuid?.() !== 0) {
    await writeFile(path.join(dir, 'secret'), 'x');
    await chmod(path.join(dir, 'secret'), 0o000);
    await assert.rejects(hashContent(path.join(dir, 'secret')), /not readable/);
  }
});

test('the hash cache answers for unchanged files and misses when a file changes', async (t) => {
  const dir = await tempDir(t);
  const cacheFile = path.join(dir, 'cache', 'hashes.json');
  await mkdir(path.join(dir, 'm'));
  await writeFile(path.join(dir, 'm', 'w.bin'), 'aaaa');
  const first = await hashContent(path.join(dir, 'm'), 'm', { cacheFile });
  // Prove the second answer comes from the cache: poison the stored hash for this key.
  const { readFile: rf, writeFile: wf } = await import('node:fs/promises');
  const cache = JSON.parse(await rf(cacheFile, 'utf8')) as Record<string, string>;
  const key = Object.keys(cache)[0]!;
  await wf(cacheFile, JSON.stringify({ [key]: 'sha256:from-cache' }));
  assert.equal((await hashContent(path.join(dir, 'm'), 'm', { cacheFile })).hash, 'sha256:from-cache');
  // A change of content changes the stat identity: the cache misses and the real hash is computed.
  await writeFile(path.join(dir, 'm', 'w.bin'), 'bbbbb');
  const changed = await hashContent(path.join(dir, 'm'), 'm', { cacheFile });
  assert.notEqual(changed.hash, 'sha256:from-cache');
  assert.notEqual(changed.hash, first.hash);
  assert.equal(changed.hash, (await hashContent(path.join(dir, 'm'))).hash);
});
