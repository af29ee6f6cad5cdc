import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pythonFloatRepr, pythonRepr, pyyamlInt } from '../../src/pyyaml/scalars.ts';

test('floats print as Python repr()', () => {
  const rows: [number, string][] = [
    [1.1, '1.1'],
    [1000, '1000.0'],
    [0.5, '0.5'],
    [1e16, '1e+16'],
    [1.5e-5, '1.5e-05'],
    [0.0001, '0.0001'],
    [1.2345678901234568e17, '1.2345678901234568e+17'],
    [-2.5, '-2.5'],
    [0, '0.0'],
    [-0, '-0.0'],
    [Number.NaN, 'nan'],
    [Number.NEGATIVE_INFINITY, '-inf'],
    [1e15, '1000000000000000.0'],
  ];
  for (const [value, repr] of rows) assert.equal(pythonFloatRepr(value), repr, String(value));
});

test('ints follow construct_yaml_int: binary, octal with a leading 0, hex, sexagesimal, underscores', () => {
  assert.equal(pyyamlInt('0b1010'), 10n);
  assert.equal(pyyamlInt('-0777'), -511n);
  assert.equal(pyyamlInt('0x_1F'), 31n);
  assert.equal(pyyamlInt('1:00:00'), 3600n);
  assert.equal(pyyamlInt('+1_000'), 1000n);
  assert.equal(pyyamlInt('0b'), undefined);
});

test('lists and maps print as Python repr()', () => {
  assert.equal(pythonRepr(['a', 1, true, null, { k: "it's" }]), `['a', 1, True, None, {'k': "it's"}]`);
});
