// Reading why a hosting process failed from its log.

import assert from 'node:assert/strict';
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { findFailureReason, logSize, readLogSince, tailLines } from '../../src/targets/local/host-log.ts';
import { tempLocalDir } from './helpers.ts';

test('findFailureReason prefers the host.py line, else the last exception line', () => {
  const hostPy = [
    'Traceback (most recent call last):',
    '  File "score.py", line 3, in init',
    "KeyError: 'AZUREML_MODEL_DIR'",
    "azureml-local-host: init() failed: KeyError: 'AZUREML_MODEL_DIR'",
  ].join('\n');
  assert.equal(findFailureReason(hostPy), "init() failed: KeyError: 'AZUREML_MODEL_DIR'");
  const azmlinfsrv = [
    'Traceback (most recent call last):',
    '  File "/app/score.py", line 9, in init',
    '    model = joblib.load(path)',
    "FileNotFoundError: [Errno 2] No such file or directory: '/m/model.pkl'",
    'Worker exiting (pid: 12)',
  ].join('\n');
  assert.equal(
    findFailureReason(azmlinfsrv),
    "FileNotFoundError: [Errno 2] No such file or directory: '/m/model.pkl'",
  );
  assert.equal(
    findFailureReason('json.decoder.JSONDecodeError: Expecting value'),
    'json.decoder.JSONDecodeError: Expecting value',
  );
  assert.equal(findFailureReason('all fine\nnothing to see'), undefined);
});

test('readLogSince reads only what was written after an offset; tailLines keeps the last lines', async (t) => {
  const dir = await tempLocalDir(t);
  const file = join(dir, 'x.log');
  assert.equal(await logSize(file), 0);
  assert.equal(await readLogSince(file), '');
  await writeFile(file, 'old 1\nold 2\n');
  const offset = await logSize(file);
  await appendFile(file, 'new 1\nnew 2\n');
  assert.equal(await readLogSince(file, offset), 'new 1\nnew 2\n');
  assert.equal(await readLogSince(file, 0, 6), 'new 2\n');
  const many = Array.from({ length: 120 }, (_, i) => `line ${i}`).join('\n');
  const tail = tailLines(`${many}\n\n`, 50).split('\n');
  assert.equal(tail.length, 50);
  assert.equal(tail[0], 'line 70');
  assert.equal(tail[49], 'line 119');
});
