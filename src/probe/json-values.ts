// JSON value helpers shared by the assertions: equality, the `expect-json` subset rule, type names, display.

import { formatKey } from './jsonpath.ts';

export type JsonTypeName = 'null' | 'array' | 'object' | 'number' | 'string' | 'boolean';

export function jsonTypeOf(value: unknown): JsonTypeName {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const t = typeof value;
  if (t === 'number' || t === 'string' || t === 'boolean') return t;
  return 'object';
}

/** Exact JSON equality: same type, numbers ===, objects with the same keys (any order), arrays by index. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const ta = jsonTypeOf(a);
  if (ta !== jsonTypeOf(b)) return false;
  if (ta === 'array') {
    const x = a as unknown[];
    const y = b as unknown[];
    return x.length === y.length && x.every((v, i) => jsonEqual(v, y[i]));
  }
  if (ta === 'object') {
    const x = a as Record<string, unknown>;
    const y = b as Record<string, unknown>;
    const keys = Object.keys(x);
    return (
      keys.length === Object.keys(y).length && keys.every((k) => Object.hasOwn(y, k) && jsonEqual(x[k], y[k]))
    );
  }
  return false;
}

export interface SubsetMismatch {
  path: string;
  expected: string;
  actual: string;
}

/**
 * The `expect-json` rule. Objects: every key of `expected` must be present in `actual` and match (extra keys
 * in `actual` are fine). Arrays: the same length, element i matching element i under this same rule (so
 * objects inside arrays may have extra keys too). Everything else: exact equality (numbers compared with ===,
 * `1` does not match `1.0000001`, `null` matches only `null`). Returns every mismatch, in document order.
 */
export function matchJsonSubset(expected: unknown, actual: unknown, path = '$'): SubsetMismatch[] {
  const te = jsonTypeOf(expected);
  if (te === 'object') {
    if (jsonTypeOf(actual) !== 'object')
      return [{ path, expected: 'an object', actual: describeValue(actual) }];
    const out: SubsetMismatch[] = [];
    const act = actual as Record<string, unknown>;
    for (const [key, value] of Object.entries(expected as Record<string, unknown>)) {
      const childPath = `${path}${formatKey(key)}`;
      if (!Object.hasOwn(act, key))
        out.push({ path: childPath, expected: formatValue(value), actual: 'nothing' });
      else out.push(...matchJsonSubset(value, act[key], childPath));
    }
    return out;
  }
  if (te === 'array') {
    const exp = expected as unknown[];
    if (!Array.isArray(actual)) return [{ path, expected: 'an array', actual: describeValue(actual) }];
    if (actual.length !== exp.length) {
      return [{ path, expected: `an array of length ${exp.length}`, actual: `length ${actual.length}` }];
    }
    return exp.flatMap((v, i) => matchJsonSubset(v, actual[i], `${path}[${i}]`));
  }
  return jsonEqual(expected, actual)
    ? []
    : [{ path, expected: formatValue(expected), actual: formatValue(actual) }];
}

/** JSON text of a value for messages, cut to maxChars; `nothing` for a missing value. */
export function formatValue(value: unknown, maxChars = 200): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length <= maxChars ? text : `${text.slice(0, maxChars)}…`;
}

/** `number 5`, `string "x"`, `array of length 2`: for type and shape mismatches. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const t = jsonTypeOf(value);
  if (t === 'null') return 'null';
  if (t === 'array') return `an array of length ${(value as unknown[]).length}`;
  if (t === 'object') return `an object ${formatValue(value, 120)}`;
  return `${t} ${formatValue(value)}`;
}
