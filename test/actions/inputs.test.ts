import assert from 'node:assert/strict';
import { test } from 'node:test';
import { input, parseInputs } from '../../src/actions/shared/define-inputs.ts';
import {
  bool,
  duration,
  integer,
  keyValueMap,
  oneOf,
  optionalString,
  parseKeyValues,
} from '../../src/actions/shared/input-types.ts';
import { UsageError } from '../../src/errors.ts';

const defs = {
  wait: input(bool(), { description: 'd', default: 'true' }),
  'dry-run': input(bool(), { description: 'd', default: 'false' }),
  'timeout-minutes': input(duration('minutes', { max: 1440 }), { description: 'd', default: '30' }),
  requests: input(integer({ min: 1 }), { description: 'd', default: '1' }),
  traffic: input(oneOf(['all', 'none'] as const), { description: 'd' }),
  tags: input(keyValueMap(), { description: 'd' }),
  'api-key': input(optionalString(), { description: 'd', secret: true }),
  'model-name': input(optionalString(), { description: 'd', required: true }),
};

function parse(raw: Record<string, string>, secrets: string[] = []) {
  return parseInputs(
    defs,
    (n) => raw[n],
    (s) => secrets.push(s),
  );
}

test('defaults apply when an input is unset or empty', () => {
  const v = parse({ 'model-name': 'm', wait: '' });
  assert.equal(v.wait, true);
  assert.equal(v['dry-run'], false);
  assert.equal(v['timeout-minutes'], 30);
  assert.equal(v.requests, 1);
  assert.equal(v.traffic, undefined);
  assert.deepEqual(v.tags, {});
});

test('booleans are strict: only true/false in any case', () => {
  assert.equal(parse({ 'model-name': 'm', wait: 'FALSE' }).wait, false);
  assert.throws(
    () => parse({ 'model-name': 'm', wait: 'yes' }),
    /input 'wait' must be true or false \(got 'yes'\)/,
  );
});

test('numbers and durations say what they expected', () => {
  assert.throws(
    () => parse({ 'model-name': 'm', requests: '1.5' }),
    /input 'requests' must be a whole number \(got '1.5'\)/,
  );
  assert.throws(() => parse({ 'model-name': 'm', requests: '0' }), /must be at least 1/);
  assert.throws(() => parse({ 'model-name': 'm', 'timeout-minutes': '10m' }), /must be a number of minutes/);
  assert.throws(() => parse({ 'model-name': 'm', 'timeout-minutes': '2000' }), /at most 1440 minutes/);
  assert.equal(parse({ 'model-name': 'm', 'timeout-minutes': '0.5' })['timeout-minutes'], 0.5);
});

test('enums match case-insensitively and list the allowed values', () => {
  assert.equal(parse({ 'model-name': 'm', traffic: 'ALL' }).traffic, 'all');
  assert.throws(
    () => parse({ 'model-name': 'm', traffic: 'some' }),
    /must be one of all, none \(got 'some'\)/,
  );
});

test('every problem is reported at once; the error names the first input', () => {
  assert.throws(
    () => parse({ wait: 'maybe', requests: 'x' }),
    (err) => {
      assert.ok(err instanceof UsageError);
      assert.equal(err.input, 'wait');
      assert.match(err.message, /input 'wait' must be true or false/);
      assert.match(err.message, /input 'requests' must be a whole number/);
      assert.match(err.message, /input 'model-name' is required/);
      return true;
    },
  );
});

test('secret inputs are handed to the masker before parsing', () => {
  const secrets: string[] = [];
  parse({ 'model-name': 'm', 'api-key': 's3cr3t-key' }, secrets);
  assert.deepEqual(secrets, ['s3cr3t-key']);
});

test('key=value lists: multiline, comma-separated, JSON objects, comments; bad lines named', () => {
  assert.deepEqual(parseKeyValues('a=1\n# c\n b = two words \n\nc=x=y'), {
    a: '1',
    b: 'two words',
    c: 'x=y',
  });
  assert.deepEqual(parseKeyValues('a=1,b=2'), { a: '1', b: '2' });
  assert.deepEqual(parseKeyValues('{"a": 1, "b": true, "c": "s"}'), { a: '1', b: 'true', c: 's' });
  assert.equal(parseKeyValues('a=1\nnovalue'), "line 2 must be key=value (got 'novalue')");
  assert.match(String(parseKeyValues('{"a": ')), /is not valid JSON/);
  assert.equal(parseKeyValues('[1]'), "line 1 must be key=value (got '[1]')");
  assert.throws(() => parse({ 'model-name': 'm', tags: 'x' }), /input 'tags' line 1 must be key=value/);
});
