import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UsageError } from '../../src/errors.ts';
import { checkExpectation, parseExpectations } from '../../src/probe/expectations.ts';
import { evaluateJsonPath, parseJsonPath } from '../../src/probe/jsonpath.ts';

const doc = {
  predictions: [11055.99, 12000, 13000.5],
  label: 'Cat',
  count: 3,
  ok: true,
  missing: null,
  meta: { 'model-version': '7', 'odd key': 1, nested: { deep: [1, 2] } },
  items: [{ id: 1 }, { id: 2 }, { name: 'x' }],
  empty: [],
};

/** The messages of every failure of one expect line against doc (an empty list means it passed). */
function messages(line: string, against: unknown = doc): string[] {
  const [e] = parseExpectations(line);
  assert.ok(e, `parsed ${line}`);
  return checkExpectation(e, against).map((f) => f.message);
}

describe('expect ops: each passing and failing with its message', () => {
  test('== compares JSON values exactly (numbers exact, bare words as strings)', () => {
    assert.deepEqual(messages('$.count == 3'), []);
    assert.deepEqual(messages('$.label == Cat'), []);
    assert.deepEqual(messages('$.label == "Cat"'), []);
    assert.deepEqual(messages('$.meta.nested == {"deep": [1, 2]}'), []);
    assert.deepEqual(messages('$.missing == null'), []);
    assert.deepEqual(messages('$.count == 4'), ['$.count: expected 4, got 3']);
    assert.deepEqual(messages('$.count == "3"'), ['$.count: expected "3", got 3']);
    assert.deepEqual(messages('$.predictions[0] == 11055.98'), [
      '$.predictions[0]: expected 11055.98, got 11055.99',
    ]);
  });

  test('!= fails only on an equal value', () => {
    assert.deepEqual(messages('$.label != "Dog"'), []);
    assert.deepEqual(messages('$.label != Cat'), ['$.label: expected not "Cat", got "Cat"']);
  });

  test('~= accepts ± and +/-, inclusive of the tolerance despite binary rounding', () => {
    assert.deepEqual(messages('$.predictions[0] ~= 11055.98 ± 0.01'), []);
    assert.deepEqual(messages('$.predictions[0] ~= 11056 +/- 0.02'), []);
    assert.deepEqual(messages('$.predictions[0] ~= 11055.97 ± 0.01'), [
      '$.predictions[0]: expected 11055.97 ± 0.01, got 11055.99',
    ]);
    assert.deepEqual(messages('$.label ~= 1.5 ± 0.1'), ['$.label: expected 1.5 ± 0.1, got string "Cat"']);
  });

  test('matches applies a regular expression with flags to strings only', () => {
    assert.deepEqual(messages('$.label matches /^cat$/i'), []);
    assert.deepEqual(messages('$.label matches /^cat$/'), [
      '$.label: expected a string matching /^cat$/, got "Cat"',
    ]);
    assert.deepEqual(messages('$.count matches /3/'), [
      '$.count: expected a string matching /3/, got number 3',
    ]);
  });

  test('length counts array elements, string characters and object keys', () => {
    assert.deepEqual(messages('$.predictions length 3'), []);
    assert.deepEqual(messages('$.label length 3'), []);
    assert.deepEqual(messages('$.meta length 3'), []);
    assert.deepEqual(messages('$.predictions length 2'), ['$.predictions: expected length 2, got length 3']);
    assert.deepEqual(messages('$.count length 1'), ['$.count: expected length 1, got number 3']);
  });

  test('type knows number, integer, string, boolean, object, array and null', () => {
    for (const line of [
      '$.count type number',
      '$.count type integer',
      '$.label type string',
      '$.ok type boolean',
      '$.meta type object',
      '$.items type array',
      '$.missing type null',
    ]) {
      assert.deepEqual(messages(line), [], line);
    }
    assert.deepEqual(messages('$.predictions[2] type integer'), [
      '$.predictions[2]: expected type integer, got number 13000.5',
    ]);
    assert.deepEqual(messages('$.items type object'), [
      '$.items: expected type object, got an array of length 3',
    ]);
    assert.deepEqual(messages('$.missing type string'), ['$.missing: expected type string, got null']);
  });

  test('exists passes on any present value, null included', () => {
    assert.deepEqual(messages('$.missing exists'), []);
    assert.deepEqual(messages('$.nope exists'), ['$.nope: expected a value, got nothing']);
  });

  test('a path that reaches nothing fails every op, != included', () => {
    assert.deepEqual(messages('$.nope != 1'), ['$.nope: expected not 1, got nothing']);
    assert.deepEqual(messages('$.meta.nested.deep[5] == 1'), [
      '$.meta.nested.deep[5]: expected 1, got nothing',
    ]);
  });

  test('failures carry path, op, expected and actual besides the message', () => {
    const [e] = parseExpectations('$.predictions[-1] ~= 1 ± 0.5');
    assert.deepEqual(checkExpectation(e!, doc), [
      {
        path: '$.predictions[2]',
        op: '~=',
        expected: '1 ± 0.5',
        actual: '13000.5',
        message: '$.predictions[2]: expected 1 ± 0.5, got 13000.5',
      },
    ]);
  });
});

describe('JSONPath subset', () => {
  test('keys, quoted keys, indexes and negative indexes', () => {
    const at = (p: string) => evaluateJsonPath(parseJsonPath(p), doc);
    assert.deepEqual(at('$'), [{ path: '$', found: true, value: doc }]);
    assert.deepEqual(at("$.meta['model-version']"), [
      { path: '$.meta.model-version', found: true, value: '7' },
    ]);
    assert.deepEqual(at('$.meta["odd key"]'), [{ path: "$.meta['odd key']", found: true, value: 1 }]);
    assert.deepEqual(at('$.predictions[-1]'), [{ path: '$.predictions[2]', found: true, value: 13000.5 }]);
    assert.deepEqual(at('$.predictions[-4]'), [{ path: '$.predictions[-4]', found: false }]);
    assert.deepEqual(at('$.meta.nested.deep[1]'), [{ path: '$.meta.nested.deep[1]', found: true, value: 2 }]);
  });

  test('[*] applies the assertion to every element and reports the failing ones by index', () => {
    assert.deepEqual(messages('$.predictions[*] type number'), []);
    assert.deepEqual(messages('$.predictions[*] type integer'), [
      '$.predictions[0]: expected type integer, got number 11055.99',
      '$.predictions[2]: expected type integer, got number 13000.5',
    ]);
    assert.deepEqual(messages('$.items[*].id exists'), ['$.items[2].id: expected a value, got nothing']);
    assert.deepEqual(messages('$.meta.* exists'), []);
  });

  test('[*] over an empty array fails instead of passing vacuously', () => {
    assert.deepEqual(messages('$.empty[*] type number'), [
      '$.empty[*]: expected type number, got no elements ($.empty[*] is empty)',
    ]);
  });
});

describe('parseExpectations', () => {
  test('skips blank and # lines, keeps line numbers and text, allows no space before the op', () => {
    const parsed = parseExpectations('# comment\n\n  $.a==1  \n$.b exists\r\n');
    assert.deepEqual(
      parsed.map((e) => [e.line, e.text, e.path, e.op]),
      [
        [3, '$.a==1', '$.a', '=='],
        [4, '$.b exists', '$.b', 'exists'],
      ],
    );
  });

  test('quoted keys may contain spaces and operators', () => {
    const [e] = parseExpectations("$['a == b'] == 1");
    assert.equal(e?.path, "$['a == b']");
    assert.deepEqual(checkExpectation(e!, { 'a == b': 1 }), []);
  });

  const bad: [string, string][] = [
    [
      '$.a == 1\npredictions == 1',
      'expect: line 2: `predictions == 1`: bad path "predictions": a path starts with `$`',
    ],
    ['$.a ==  ', 'expect: line 1: `$.a ==`: == needs a value'],
    [
      '$.a >= 1',
      'expect: line 1: `$.a >= 1`: unknown operator ">=" (use ==, !=, ~=, matches, length, type or exists)',
    ],
    ['$.a ~= 1.5', 'expect: line 1: `$.a ~= 1.5`: expected `~= NUMBER ± TOLERANCE` (or `+/-`)'],
    ['$.a matches abc', 'expect: line 1: `$.a matches abc`: expected `matches /regex/flags`'],
    ['$.a length -1', 'expect: line 1: `$.a length -1`: expected `length N` with N a whole number'],
    [
      '$.a type float',
      'expect: line 1: `$.a type float`: expected `type` one of number, string, boolean, object, array, null, integer',
    ],
    ['$.a exists now', 'expect: line 1: `$.a exists now`: `exists` takes no argument'],
    ['$.a[x] == 1', 'expect: line 1: `$.a[x] == 1`: bad path "$.a[x]": unexpected "[" at character 4'],
  ];
  for (const [text, message] of bad) {
    test(`rejects ${JSON.stringify(text)} naming the line`, () => {
      assert.throws(
        () => parseExpectations(text),
        (err: unknown) => err instanceof UsageError && err.input === 'expect' && err.message === message,
      );
    });
  }

  test('rejects a bad regular expression', () => {
    assert.throws(
      () => parseExpectations('$.a matches /(/'),
      /line 1: `\$\.a matches \/\(\/`: bad regular expression/,
    );
  });
});
