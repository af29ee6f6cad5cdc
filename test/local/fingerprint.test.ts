// Content hashes and deployment fingerprints: stable for the same content, different for any change
// that alters what is served.

import assert from 'node:assert/strict';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  deploymentFingerprint,
  type FingerprintInput,
  hashContent,
} from '../../src/targets/local/fingerprint.ts';
import { examples, tempLocalDir } from './helpers.ts';

test('hashContent is stable, ignores Python caches, and sees renames, edits and moved bytes', async (t) => {
  const dir = await tempLocalDir(t);
  const code = join(dir, 'code');
  await cp(join(examples, 'demo'), code, { recursive: true });
  const first = await hashContent(code);
  assert.match(first, /^sha256:[0-9a-f]{64}$/);
  assert.equal(await hashContent(code), first);

  await mkdir(join(code, '__pycache__'), { recursive: true });
  await writeFile(join(code, '__pycache__/score.cpython-311.pyc'), 'bytecode');
  await writeFile(join(code, 'stray.pyc'), 'bytecode');
  assert.equal(await hashContent(code), first);

  await writeFile(join(code, 'score.py'), '# changed\n', { flag: 'a' });
  const edited = await hashContent(code);
  assert.notEqual(edited, first);

  // Same bytes split differently across two files give a different hash.
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  await mkdir(a);
  await mkdir(b);
  await writeFile(join(a, 'x'), 'ab');
  await writeFile(join(a, 'y'), 'c');
  await writeFile(join(b, 'x'), 'a');
  await writeFile(join(b, 'y'), 'bc');
  assert.notEqual(await hashContent(a), await hashContent(b));
  // Renaming a file changes it too.
  const c = join(dir, 'c');
  await mkdir(c);
  await writeFile(join(c, 'x'), 'ab');
  await writeFile(join(c, 'z'), 'c');
  assert.notEqual(await hashContent(a), await hashContent(c));
  // A single file hashes as its name and bytes: the same as a folder holding only it.
  const single = join(dir, 'single');
  await mkdir(single);
  await writeFile(join(single, 'x'), 'ab');
  assert.equal(await hashContent(join(a, 'x')), await hashContent(single));
});

test('deploymentFingerprint: same inputs in any key order agree; each served setting changes it', async (t) => {
  const dir = await tempLocalDir(t);
  const code = join(dir, 'code');
  await cp(join(examples, 'demo'), code, { recursive: true });
  const base: FingerprintInput = {
    modelId: 'azureml:demo:1',
    modelDir: join(examples, 'demo/model'),
    codeDir: code,
    scoringScript: 'score.py',
    environmentVariables: { A: '1', B: '2' },
    runtime: 'auto',
  };
  const fp = await deploymentFingerprint(base);
  assert.match(fp, /^[0-9a-f]{64}$/);
  assert.equal(await deploymentFingerprint({ ...base, environmentVariables: { B: '2', A: '1' } }), fp);
  assert.equal(await deploymentFingerprint({ ...base, scoringScript: './score.py' }), fp);

  const changed: Array<Partial<FingerprintInput>> = [
    { modelId: 'azureml:demo:2' },
    { modelContentHash: 'abc' },
    { scoringScript: 'other.py' },
    { environmentVariables: { A: '1', B: '3' } },
    { python: '/usr/bin/python3' },
    { runtime: 'docker' },
    { image: 'img:1' },
    { port: 8080 },
  ];
  const seen = new Set([fp]);
  for (const change of changed) {
    const other = await deploymentFingerprint({ ...base, ...change });
    assert.ok(!seen.has(other), `${JSON.stringify(change)} did not change the fingerprint`);
    seen.add(other);
  }
  await writeFile(join(code, 'score.py'), '\n', { flag: 'a' });
  assert.notEqual(await deploymentFingerprint(base), fp);
});
