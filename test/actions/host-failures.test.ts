// Local host failures through the CLI: a script that cannot be imported is reported as a failed import (not as
// a failed init()), and a failing init() is printed once as an error, with the log tail beside it.

import assert from 'node:assert/strict';
import { cp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { findFailureReason } from '../../src/targets/local/host-log.ts';
import { cli } from '../support/cli.ts';
import { tempDir } from '../support/tmp.ts';

const root = path.resolve(import.meta.dirname, '../..');
const args = [
  'deploy-model',
  '--target=local',
  '--endpoint-file=endpoint.yml',
  '--deployment-file=deployment.yml',
];

async function demoWithScore(t: Parameters<typeof tempDir>[0], score: string): Promise<string> {
  const dir = await tempDir(t);
  await cp(path.join(root, 'examples/demo'), dir, { recursive: true });
  await writeFile(path.join(dir, 'score.py'), score);
  return dir;
}

test('a missing package is a failed import, reported once', async (t) => {
  const dir = await demoWithScore(
    t,
    'import no_such_package_xyz\n\ndef init():\n    pass\n\ndef run(raw):\n    return 1\n',
  );
  const r = await cli(args, { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /deploy-model failed: .*import failed: loading the entry script score\.py raised ModuleNotFoundError: No module named 'no_such_package_xyz'/,
  );
  assert.doesNotMatch(r.stderr, /init\(\) failed/);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
  assert.equal(errors.length, 1, r.stderr);
});

test('a failing init() is one error line; the log tail is shown with it', async (t) => {
  const dir = await demoWithScore(
    t,
    'def init():\n    raise ValueError("bad weights")\n\ndef run(raw):\n    return 1\n',
  );
  const r = await cli(args, { cwd: dir });
  assert.equal(r.code, 1);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
  assert.equal(errors.length, 1, r.stderr);
  assert.match(errors[0]!, /init\(\) failed: ValueError: bad weights/);
  assert.match(r.stderr, /--- log tail \(.*\) ---\n/);
});

test('findFailureReason reads an import failure line', () => {
  assert.equal(
    findFailureReason(
      'Traceback\nModuleNotFoundError: x\nazureml-local-host: import failed: loading the entry script s.py raised ModuleNotFoundError: x\n',
    ),
    'import failed: loading the entry script s.py raised ModuleNotFoundError: x',
  );
});
