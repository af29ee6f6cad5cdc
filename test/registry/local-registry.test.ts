import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import type { ModelSpec } from '../../src/config/spec.ts';
import { UsageError } from '../../src/errors.ts';
import { LocalModelRegistry } from '../../src/registry/local-registry.ts';
import { tempDir } from '../support/tmp.ts';

function spec(p: string, extra: Partial<ModelSpec> = {}): ModelSpec {
  return { name: 'diabetes', type: 'custom_model', path: p, tags: {}, properties: {}, ...extra };
}

async function modelFolder(root: string, content: string): Promise<string> {
  const dir = path.join(root, 'model');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'weights.json'), content);
  return dir;
}

test('first registration creates version 1 with the artifact under its own name', async (t) => {
  const root = await tempDir(t);
  let now = Date.UTC(2026, 0, 1);
  const reg = new LocalModelRegistry(path.join(root, 'state'), () => now++);
  const src = await modelFolder(root, '[1,2]');
  const m = await reg.register(spec(src, { tags: { team: 'ml' } }), { dedupe: true });
  assert.equal(m.version, '1');
  assert.equal(m.id, 'azureml:diabetes:1');
  assert.equal(m.reused, false);
  assert.equal(m.bytesUploaded, 5);
  assert.match(m.contentHash, /^sha256:[0-9a-f]{64}$/);
  assert.equal(await readFile(path.join(m.localDir!, 'model', 'weights.json'), 'utf8'), '[1,2]');
  const meta = JSON.parse(await readFile(path.join(root, 'state/models/diabetes/.versions/1.json'), 'utf8'));
  assert.deepEqual(meta.tags, { team: 'ml' });
  assert.equal(meta.properties['azureml-deploy.content_hash'], m.contentHash);
});

test('identical content is reused (nothing copied); changed content becomes the next version', async (t) => {
  const root = await tempDir(t);
  let now = Date.UTC(2026, 0, 1);
  const reg = new LocalModelRegistry(path.join(root, 'state'), () => now++);
  const src = await modelFolder(root, '[1,2]');
  const first = await reg.register(spec(src), { dedupe: true });
  const again = await reg.register(spec(src), { dedupe: true });
  assert.equal(again.version, first.version);
  assert.equal(again.reused, true);
  assert.equal(again.bytesUploaded, 0);
  assert.deepEqual(await readdir(path.join(root, 'state/models/diabetes')), ['.versions', '1']);
  await writeFile(path.join(src, 'weights.json'), '[1,3]');
  const changed = await reg.register(spec(src), { dedupe: true });
  assert.equal(changed.version, '2');
  assert.equal(changed.reused, false);
  // dedupe compares with the latest only: going back to the first content makes version 3
  await writeFile(path.join(src, 'weights.json'), '[1,2]');
  assert.equal((await reg.register(spec(src), { dedupe: true })).version, '3');
  // and without dedupe an identical upload is a new version
  assert.equal((await reg.register(spec(src), { dedupe: false })).version, '4');
});

test('an explicit existing version: identical content reused, different content an error before any copy', async (t) => {
  const root = await tempDir(t);
  const reg = new LocalModelRegistry(path.join(root, 'state'));
  const src = await modelFolder(root, 'a');
  await reg.register(spec(src, { version: '7' }), { dedupe: true });
  assert.equal((await reg.register(spec(src, { version: '7' }), { dedupe: true })).reused, true);
  await writeFile(path.join(src, 'weights.json'), 'b');
  await assert.rejects(reg.register(spec(src, { version: '7' }), { dedupe: true }), (err) => {
    assert.ok(err instanceof UsageError);
    assert.equal(err.input, 'model-version');
    assert.match(err.message, /already exists with different content/);
    return true;
  });
  assert.deepEqual((await readdir(path.join(root, 'state/models/diabetes'))).sort(), ['.versions', '7']);
});

test('a single-file model keeps its file name inside the version folder', async (t) => {
  const root = await tempDir(t);
  const reg = new LocalModelRegistry(path.join(root, 'state'));
  await writeFile(path.join(root, 'm.pkl'), 'pickle');
  const m = await reg.register(spec(path.join(root, 'm.pkl')), { dedupe: true });
  assert.equal(await readFile(path.join(m.localDir!, 'm.pkl'), 'utf8'), 'pickle');
});

test('names and versions Azure rejects, and URIs, fail before anything is written', async (t) => {
  const root = await tempDir(t);
  const state = path.join(root, 'state');
  const reg = new LocalModelRegistry(state);
  const src = await modelFolder(root, 'a');
  await assert.rejects(
    reg.register(spec(src, { name: 'bad name!' }), { dedupe: true }),
    /model name 'bad name!' is not valid/,
  );
  await assert.rejects(
    reg.register(spec(src, { version: '../x' }), { dedupe: true }),
    /version '..\/x' is not valid/,
  );
  await assert.rejects(reg.register(spec('azureml://jobs/j/outputs/o'), { dedupe: true }), /is a URI/);
  await assert.rejects(readdir(state), /ENOENT/);
});

test('resolve finds a version or the latest; delete removes it', async (t) => {
  const root = await tempDir(t);
  let now = Date.UTC(2026, 0, 1);
  const reg = new LocalModelRegistry(path.join(root, 'state'), () => (now += 1000));
  const src = await modelFolder(root, 'a');
  await reg.register(spec(src), { dedupe: true });
  await writeFile(path.join(src, 'weights.json'), 'b');
  await reg.register(spec(src), { dedupe: true });
  assert.equal((await reg.resolve('diabetes'))?.version, '2');
  assert.equal((await reg.resolve('diabetes', '1'))?.version, '1');
  assert.equal(await reg.resolve('diabetes', '9'), undefined);
  assert.equal(await reg.delete('diabetes', '2'), true);
  assert.equal(await reg.delete('diabetes', '2'), false);
  assert.equal((await reg.resolve('diabetes'))?.version, '1');
});
