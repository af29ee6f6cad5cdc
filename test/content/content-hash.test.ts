import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, rename, stat, utimes, writeFile } from 'node:fs/promises';
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
  // the same bytes under another name
  await rename(path.join(a, 'y'), path.join(a, 'w'));
  const renamed = await hashContent(a);
  assert.deepEqual(
    renamed.files.map((f) => f.relPath),
    ['w', 'x'],
  );
  assert.notEqual(renamed.hash, moved);
  // a rename inside a subfolder, and of a single-file model (it hashes under its base name)
  await mkdir(path.join(a, 'sub'));
  await rename(path.join(a, 'w'), path.join(a, 'sub', 'w'));
  assert.notEqual((await hashContent(a)).hash, renamed.hash);
  const single = (await hashContent(path.join(a, 'x'))).hash;
  await rename(path.join(a, 'x'), path.join(a, 'x2'));
  assert.notEqual((await hashContent(path.join(a, 'x2'))).hash, single);
});

/** Waits until the file system's clock has ticked past `file`'s last change (a causal wait, not a timing bound). */
async function afterFsTick(dir: string, file: string): Promise<void> {
  const s = await stat(file);
  const changed = Math.max(s.mtimeMs, s.ctimeMs);
  const probe = path.join(dir, '.tick');
  for (;;) {
    await writeFile(probe, '');
    if ((await stat(probe)).mtimeMs > changed) return;
    await new Promise((r) => setTimeout(r, 2));
  }
}

test('a same-size edit that keeps the mtime is detected without the cache and with it', async (t) => {
  const dir = await tempDir(t);
  const cacheFile = path.join(dir, 'cache', 'hashes.json');
  const model = path.join(dir, 'm');
  const file = path.join(model, 'w.bin');
  await mkdir(model);
  await writeFile(file, 'aaaa');
  // A whole-second mtime, so that putting it back below restores it exactly.
  const mtime = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
  await utimes(file, mtime, mtime);
  await afterFsTick(dir, file);
  const first = await hashContent(model, 'm', { cacheFile });
  assert.equal((await hashContent(model, 'm', { cacheFile })).hash, first.hash);
  // Same size, and the mtime put back as it was: only the bytes (and the ctime) tell.
  await writeFile(file, 'bbbb');
  await utimes(file, mtime, mtime);
  const after = await stat(file);
  assert.equal(after.mtimeMs, mtime.getTime());
  assert.equal(after.size, 4);
  const uncached = await hashContent(model, 'm');
  assert.notEqual(uncached.hash, first.hash);
  assert.equal((await hashContent(model, 'm', { cacheFile })).hash, uncached.hash);
});

test('a cache entry written in the same timestamp tick as a file changed is not trusted (racily clean)', async (t) => {
  const dir = await tempDir(t);
  const cacheFile = path.join(dir, 'hashes.json');
  const model = path.join(dir, 'm');
  await mkdir(model);
  await writeFile(path.join(model, 'w.bin'), 'aaaa');
  await afterFsTick(dir, path.join(model, 'w.bin'));
  const first = await hashContent(model, 'm', { cacheFile });
  const cache = JSON.parse(await readFile(cacheFile, 'utf8')) as Record<string, { hash: string; at: number }>;
  const [key, entry] = Object.entries(cache)[0]!;
  // Written after the file's last change: trusted (poisoned to prove the answer comes from the cache).
  await writeFile(cacheFile, JSON.stringify({ [key]: { ...entry, hash: 'sha256:from-cache' } }));
  assert.equal((await hashContent(model, 'm', { cacheFile })).hash, 'sha256:from-cache');
  // As if written in the tick of the file's last change: a later same-size edit in that tick would keep the
  // stat identity, so the entry is not used.
  const s = await stat(path.join(model, 'w.bin'));
  await writeFile(
    cacheFile,
    JSON.stringify({ [key]: { hash: 'sha256:from-cache', at: Math.max(s.mtimeMs, s.ctimeMs) } }),
  );
  assert.equal((await hashContent(model, 'm', { cacheFile })).hash, first.hash);
  // An older cache of plain strings is ignored, not trusted.
  await writeFile(cacheFile, JSON.stringify({ [key]: 'sha256:from-cache' }));
  assert.equal((await hashContent(model, 'm', { cacheFile })).hash, first.hash);
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
  await afterFsTick(dir, path.join(dir, 'm', 'w.bin'));
  const first = await hashContent(path.join(dir, 'm'), 'm', { cacheFile });
  // Prove the second answer comes from the cache: poison the stored hash for this key.
  const cache = JSON.parse(await readFile(cacheFile, 'utf8')) as Record<string, { hash: string; at: number }>;
  const [key, entry] = Object.entries(cache)[0]!;
  await writeFile(cacheFile, JSON.stringify({ [key]: { ...entry, hash: 'sha256:from-cache' } }));
  assert.equal((await hashContent(path.join(dir, 'm'), 'm', { cacheFile })).hash, 'sha256:from-cache');
  // A change of content changes the stat identity: the cache misses and the real hash is computed.
  await writeFile(path.join(dir, 'm', 'w.bin'), 'bbbbb');
  const changed = await hashContent(path.join(dir, 'm'), 'm', { cacheFile });
  assert.notEqual(changed.hash, 'sha256:from-cache');
  assert.notEqual(changed.hash, first.hash);
  assert.equal(changed.hash, (await hashContent(path.join(dir, 'm'))).hash);
});
