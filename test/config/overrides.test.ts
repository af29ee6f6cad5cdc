// The set input's grammar (az ml --set) and the CLI's accumulation of repeated --set flags.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deployInputs } from '../../src/actions/deploy-model/inputs.ts';
import { parseArgs } from '../../src/cli/parse-args.ts';
import { parseSetInput } from '../../src/config/overrides.ts';

test('set: lines or a comma list; a comma inside a value stays in it; values are YAML 1.1 scalars', () => {
  const parsed = parseSetInput('instance_count=2,tags={a: 1, b: 2}, environment_variables.ON=yes');
  assert.ok(Array.isArray(parsed));
  assert.deepEqual(
    parsed.map((o) => [o.path, o.value]),
    [
      [['instance_count'], 2],
      [['tags'], { a: 1, b: 2 }],
      [['environment_variables', 'ON'], true],
    ],
  );
  const lines = parseSetInput('request_settings.request_timeout_ms=5000\n\n# note\nmodel.path[0]=x, y');
  assert.ok(Array.isArray(lines));
  assert.deepEqual(lines[1]!.path, ['model', 'path', 0]);
  assert.equal(lines[1]!.value, 'x, y');
  assert.match(String(parseSetInput('a..b=1')), /is not a dotted path/);
});

test('--set accumulates: repeated flags and several values after one flag become lines', () => {
  const { inputs } = parseArgs(
    ['--set', 'instance_count=2', 'environment_variables.MODE=fast', '--dry-run', '--set=a=b'],
    deployInputs,
  );
  assert.equal(inputs.get('set'), 'instance_count=2\nenvironment_variables.MODE=fast\na=b');
  assert.equal(inputs.get('dry-run'), 'true');
  // Other flags still take one value: a stray word is an error.
  assert.throws(() => parseArgs(['--model', 'm:1', 'extra'], deployInputs), /unexpected argument 'extra'/);
});
