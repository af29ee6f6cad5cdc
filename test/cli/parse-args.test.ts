import assert from 'node:assert/strict';
import { test } from 'node:test';
import { input } from '../../src/actions/shared/define-inputs.ts';
import { bool, optionalString } from '../../src/actions/shared/input-types.ts';
import { inputFromEnv, parseArgs } from '../../src/cli/parse-args.ts';

const defs = {
  'model-name': input(optionalString(), { description: 'd' }),
  'dry-run': input(bool(), { description: 'd' }),
  wait: input(bool(), { description: 'd' }),
};

test('--name value, --name=value and bare booleans', () => {
  const p = parseArgs(['--model-name', 'm', '--dry-run', '--wait=false'], defs);
  assert.deepEqual(Object.fromEntries(p.inputs), { 'model-name': 'm', 'dry-run': 'true', wait: 'false' });
});

test('a boolean flag takes a following true/false but not other words', () => {
  assert.equal(parseArgs(['--wait', 'false'], defs).inputs.get('wait'), 'false');
  assert.throws(() => parseArgs(['--wait', 'later'], defs), /unexpected argument 'later'/);
});

test('unknown flags are usage errors with a suggestion', () => {
  assert.throws(
    () => parseArgs(['--model-nme', 'x'], defs),
    /unknown flag '--model-nme' \(did you mean '--model-name'\?\)/,
  );
  assert.throws(() => parseArgs(['--zzz'], defs), /unknown flag '--zzz'$/);
});

test('unknown flags in the --name=value form are usage errors too, and never echo the value', () => {
  assert.throws(
    () => parseArgs(['--model-nme=secret-value'], defs),
    (e: Error) =>
      /unknown flag '--model-nme' \(did you mean '--model-name'\?\)$/.test(e.message) &&
      !e.message.includes('secret-value'),
  );
  assert.throws(() => parseArgs(['--zzz=1'], defs), /unknown flag '--zzz'$/);
  assert.throws(
    () => parseArgs(['--dry-rn=true'], defs),
    /unknown flag '--dry-rn' \(did you mean '--dry-run'\?\)/,
  );
  // a typo after a valid flag in the same form
  assert.throws(() => parseArgs(['--model-name=m', '--wiat=false'], defs), /unknown flag '--wiat'/);
  // an empty name is not a flag either
  assert.throws(() => parseArgs(['--=x'], defs), /unknown flag '--'/);
  // the --summary-file=path form is the CLI's own
  assert.equal(parseArgs(['--summary-file=s.md'], defs).summaryFile, 's.md');
});

test('names of Object.prototype members are unknown flags, in both forms', () => {
  for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    assert.throws(() => parseArgs([`--${name}=x`], defs), new RegExp(`unknown flag '--${name}'`));
    assert.throws(() => parseArgs([`--${name}`, 'x'], defs), new RegExp(`unknown flag '--${name}'`));
  }
});

test('a very long unknown flag name is not echoed whole', () => {
  const long = 'x'.repeat(100_000);
  assert.throws(
    () => parseArgs([`--${long}=1`], defs),
    (e: Error) => /unknown flag '--x+… \(100000 characters\)'$/.test(e.message) && e.message.length < 300,
  );
});

test("a value flag needs a value; --summary-file is the CLI's own", () => {
  assert.throws(() => parseArgs(['--model-name'], defs), /flag '--model-name' needs a value/);
  assert.equal(parseArgs(['--summary-file', 's.md'], defs).summaryFile, 's.md');
  // a value may itself start with dashes when given with =
  assert.equal(parseArgs(['--model-name=--odd'], defs).inputs.get('model-name'), '--odd');
});

test('INPUT_ variables as the runner sets them, underscores accepted', () => {
  assert.equal(inputFromEnv({ 'INPUT_MODEL-NAME': 'a' }, 'model-name'), 'a');
  assert.equal(inputFromEnv({ INPUT_MODEL_NAME: 'b' }, 'model-name'), 'b');
  assert.equal(inputFromEnv({}, 'model-name'), undefined);
});
