// Bad input edges (issue 16, item 15): config files that are not small regular files, instance counts that
// are not whole numbers of at least 1, environment variables that no container takes, and long names that
// must not be echoed whole.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { deployInputs } from '../../src/actions/deploy-model/inputs.ts';
import { parseInputs } from '../../src/actions/shared/define-inputs.ts';
import { MAX_CONFIG_FILE_BYTES, readSourceFile } from '../../src/config/source-file.ts';
import { loadV1InferenceConfig } from '../../src/config/v1-inference.ts';
import { loadV2Deployment } from '../../src/config/v2-deployment.ts';
import { UsageError } from '../../src/errors.ts';
import { configErrorOf, SCORE_PY, tempTree } from './helpers.ts';

const base = (extra: string) =>
  `name: blue\nendpoint_name: my-endpoint\ninstance_type: Standard_DS3_v2\ncode_configuration:\n  code: src\n  scoring_script: score.py\n${extra}`;

async function deploymentFile(t: Parameters<typeof tempTree>[0], yaml: string) {
  const dir = await tempTree(t, { 'deployment.yml': yaml, 'src/score.py': SCORE_PY });
  return path.join(dir, 'deployment.yml');
}

test('a config file must be a regular file: /dev/zero and a FIFO fail at once', async (t) => {
  assert.equal(
    configErrorOf(() => readSourceFile('/dev/zero')).message,
    '/dev/zero: is a device, not a regular file',
  );
  const dir = await tempTree(t, { 'x.yml': 'a: 1\n' });
  const fifo = path.join(dir, 'pipe.yml');
  if (spawnSync('mkfifo', [fifo]).status === 0) {
    // Opening a FIFO with no writer would block forever: it must be refused before that.
    assert.equal(configErrorOf(() => readSourceFile(fifo)).message, `${fifo}: is a pipe, not a regular file`);
  }
  assert.match(configErrorOf(() => readSourceFile(dir)).message, /: is a folder, not a file$/);
});

test('a config file over 1 MiB is refused with its size', async (t) => {
  const dir = await tempTree(t, { 'ok.yml': 'a: 1\n' });
  const big = path.join(dir, 'big.yml');
  await writeFile(big, `a: "${'x'.repeat(MAX_CONFIG_FILE_BYTES)}"\n`);
  assert.equal(MAX_CONFIG_FILE_BYTES, 1024 * 1024);
  assert.match(
    configErrorOf(() => readSourceFile(big)).message,
    /big\.yml: is 1048582 bytes; a config file may be at most 1048576 bytes \(1 MiB\)$/,
  );
  assert.deepEqual(readSourceFile(path.join(dir, 'ok.yml')).value, { a: 1 });
});

test('instance_count 1.5 and 0 are refused with file:line, not truncated or accepted', async (t) => {
  for (const [value, reason] of [
    ['1.5', 'must be a whole number (got 1.5)'],
    ['0', 'must be at least 1 (got 0)'],
    ['-2', 'must be at least 1 (got -2)'],
    ["'0'", 'must be at least 1 (got 0)'],
    ['true', 'expected a number'],
  ] as const) {
    const file = await deploymentFile(t, base(`instance_count: ${value}\n`));
    assert.equal(configErrorOf(() => loadV2Deployment(file)).message, `${file}:7: instance_count: ${reason}`);
  }
  const ok = await deploymentFile(t, base("instance_count: '3'\n"));
  assert.equal(loadV2Deployment(ok).instanceCount, 3);
});

test('the instance-count input must be at least 1', () => {
  const parse = (raw: Record<string, string>) =>
    parseInputs(
      deployInputs,
      (n) => raw[n],
      () => {},
    );
  assert.throws(
    () => parse({ 'instance-count': '0' }),
    (err) =>
      err instanceof UsageError && /^input 'instance-count' must be at least 1 \(got 0\)/.test(err.message),
  );
  assert.throws(() => parse({ 'instance-count': '1.5' }), /input 'instance-count' must be a whole number/);
  assert.equal(parse({ 'instance-count': '2' })['instance-count'], 2);
});

test('environment variable names like 1BAD or "A B" and huge values are refused with file:line', async (t) => {
  for (const [yaml, line, field, reason] of [
    ['  1BAD: x\n', 8, 'environment_variables.1BAD', /'1BAD' is not a valid environment variable name/],
    ['  A B: x\n', 8, 'environment_variables.A B', /'A B' is not a valid environment variable name/],
    ['  OK: x\n  -X: y\n', 9, 'environment_variables.-X', /'-X' is not a valid/],
    [
      `  BIG: ${'v'.repeat(40_000)}\n`,
      8,
      'environment_variables.BIG',
      /the value of BIG is 40000 characters; at most 32768/,
    ],
  ] as const) {
    const file = await deploymentFile(t, base(`environment_variables:\n${yaml}`));
    const err = configErrorOf(() => loadV2Deployment(file));
    assert.equal(err.line, line);
    assert.equal(err.field, field);
    assert.match(err.reason, reason);
    assert.ok(err.message.length < 400, `message of ${err.message.length} characters`);
  }
  const ok = await deploymentFile(t, base('environment_variables:\n  _OK_1: x\n  lower: "2"\n'));
  assert.deepEqual(loadV2Deployment(ok).environmentVariables, { _OK_1: 'x', lower: '2' });
});

test('a 100k-character name is not echoed whole', async (t) => {
  const long = 'N'.repeat(100_000);
  const file = await deploymentFile(t, base(`environment_variables:\n  ? ${long}-\n  : x\n`));
  const err = configErrorOf(() => loadV2Deployment(file));
  assert.ok(err.message.length < 400, `message of ${err.message.length} characters`);
  assert.match(err.message, /NNN… \(100001 characters\)/);
  const parse = (raw: Record<string, string>) =>
    parseInputs(
      deployInputs,
      (n) => raw[n],
      () => {},
    );
  assert.throws(
    () => parse({ 'environment-variables': `${long} X=1` }),
    (e: Error) =>
      e instanceof UsageError && e.message.length < 400 && /input 'environment-variables' /.test(e.message),
  );
  assert.throws(
    () => parse({ 'instance-count': long }),
    (e: Error) => e instanceof UsageError && e.message.length < 400,
  );
});

test('the environment-variables input checks names and values too, naming the input', () => {
  const parse = (raw: Record<string, string>) =>
    parseInputs(
      deployInputs,
      (n) => raw[n],
      () => {},
    );
  assert.throws(
    () => parse({ 'environment-variables': 'GOOD=1\n1BAD=2' }),
    /input 'environment-variables' .*holds a bad entry: '1BAD' is not a valid environment variable name/,
  );
  assert.throws(() => parse({ 'environment-variables': '{"A B": "x"}' }), /'A B' is not a valid/);
  assert.throws(
    () => parse({ 'environment-variables': `BIG=${'v'.repeat(40_000)}` }),
    /input 'environment-variables' .*the value of BIG is 40000 characters/,
  );
  assert.deepEqual(parse({ 'environment-variables': 'A=1\nB_2=x' })['environment-variables'], {
    A: '1',
    B_2: 'x',
  });
});

test('v1 inference config: environmentVariables names are checked with file:line', async (t) => {
  const dir = await tempTree(t, {
    'inferenceconfig.json': JSON.stringify(
      {
        entryScript: 'score.py',
        environment: {
          name: 'e',
          python: { userManagedDependencies: true },
          environmentVariables: { 'A B': 'x' },
        },
      },
      null,
      2,
    ),
    'score.py': SCORE_PY,
  });
  const err = configErrorOf(() => loadV1InferenceConfig(path.join(dir, 'inferenceconfig.json')));
  assert.match(err.message, /inferenceconfig\.json:\d+: .*'A B' is not a valid environment variable name/);
});

test('a 100k-character endpoint, deployment or model name is not echoed whole', async () => {
  const { validateResourceName } = await import('../../src/config/references.ts');
  const { assetNameProblem } = await import('../../src/registry/model-registry.ts');
  const long = `a${'b'.repeat(100_000)}`;
  for (const message of [
    validateResourceName('endpoint', long),
    validateResourceName('deployment', long),
    assetNameProblem('model', `-${long}`),
  ]) {
    assert.ok(message && message.length < 400, `${message?.length}`);
    assert.match(message, /… \(10000\d characters\)/);
  }
});
