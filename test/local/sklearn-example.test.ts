// examples/sklearn served locally answers what scikit-learn itself predicts (expected-predictions.json,
// written by examples/sklearn/train.py). Needs scikit-learn for /usr/bin/python3
// (apt-get install python3-sklearn python3-joblib); skipped otherwise.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startLocalService } from '../../src/targets/local/local-service.ts';
import { examples, postScore, registerModel, request, tempLocalDir, testDeps } from './helpers.ts';

const PYTHON = '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import sklearn, joblib, numpy'], { encoding: 'utf8' });
const skip =
  probe.status === 0
    ? false
    : `scikit-learn/joblib are not importable by ${PYTHON} (${(probe.error?.message ?? probe.stderr).trim().split('\n').pop()}); ` +
      'install them with: apt-get install -y python3-sklearn python3-joblib';

test('the sklearn example (az ml model-1 layout) answers what scikit-learn predicts', { skip }, async (t) => {
  const localDir = await tempLocalDir(t);
  const sklearn = join(examples, 'sklearn');
  const modelDir = await registerModel(localDir, 'sklearn-regression', '1', join(sklearn, 'model'));
  const result = await startLocalService(
    request(localDir, modelDir, {
      modelName: 'sklearn-regression',
      codeDir: join(sklearn, 'onlinescoring'),
      scoringScript: 'score.py',
      python: PYTHON,
      deadline: Date.now() + 15_000,
    }),
    testDeps(),
  );
  if (result.state !== 'Healthy') assert.fail(`${result.error}\n${result.logTail}`);

  const sample = await readFile(join(sklearn, 'sample-request.json'), 'utf8');
  const expected = JSON.parse(await readFile(join(sklearn, 'expected-predictions.json'), 'utf8')) as number[];
  const res = await postScore(result.scoringUri, sample);
  assert.equal(res.status, 200, res.text);
  const actual = JSON.parse(res.text) as number[];
  assert.equal(actual.length, expected.length);
  actual.forEach((value, i) => {
    assert.ok(
      Math.abs(value - expected[i]!) <= 1e-6 * Math.max(1, Math.abs(expected[i]!)),
      `${value} vs ${expected[i]}`,
    );
  });

  // A request without "data" is the script's own error: HTTP 500 naming the missing key.
  const bad = await postScore(result.scoringUri, { rows: [] });
  assert.equal(bad.status, 500);
  assert.match(bad.text, /KeyError: 'data'/);
});
