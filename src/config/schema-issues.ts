// Turns zod issues into `file:line: field.path: reason` ConfigErrors with human reasons, and throws the
// first problem in document order (zod reports in schema order), so nothing partial is ever returned.

import type { z } from 'zod';
import type { ConfigError, UsageError } from '../errors.ts';
import type { SourceFile } from './source-file.ts';

type Issue = z.core.$ZodIssue;

const NOUNS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
};

function noun(expected: string): string {
  return NOUNS[expected] ?? expected;
}

/** How a rejected value is shown: as written in the file (strings quoted), not as normalised. */
export function shownValue(
  source: SourceFile,
  fieldPath: ReadonlyArray<PropertyKey>,
  input: unknown,
): string {
  const at = fieldPath.filter((s): s is string | number => typeof s !== 'symbol');
  const raw = source.valueAt(at);
  if (typeof raw === 'string') return `'${raw}'`;
  const written = source.scalarSourceAt(at);
  if (written !== undefined && written !== '') return written;
  if (typeof input === 'string') return `'${input}'`;
  if (input === null || input === undefined) return 'nothing';
  try {
    return JSON.stringify(input) ?? String(input);
  } catch {
    return String(input);
  }
}

function reasonOf(issue: Issue, source: SourceFile): string {
  const input = (issue as { input?: unknown }).input;
  // A missing key: invalid_type for plain fields, invalid_value for enums behind a preprocess.
  if (input === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_value'))
    return 'is required';
  switch (issue.code) {
    case 'invalid_type':
      if (issue.path.length === 0 && issue.expected === 'object')
        return 'expected a mapping of keys to values';
      // zod reports .inf/.nan with input null and `received` set; they are not empty values.
      return input === null && !(issue as { received?: unknown }).received
        ? `expected ${noun(issue.expected)} (the value is empty)`
        : `expected ${noun(issue.expected)}`;
    case 'invalid_value': {
      const got = shownValue(source, issue.path, input);
      if (issue.values.length === 1) return `must be ${String(issue.values[0])} (got ${got})`;
      return `must be one of ${issue.values.map(String).join(', ')} (got ${got})`;
    }
    case 'too_small': {
      const min = String(issue.minimum);
      if (issue.origin === 'string')
        return issue.minimum === 1 ? 'must not be empty' : `must be at least ${min} characters`;
      if (issue.origin === 'array') return `must have at least ${min} items`;
      return issue.inclusive ? `must be at least ${min}` : `must be greater than ${min}`;
    }
    case 'too_big': {
      const max = String(issue.maximum);
      if (issue.origin === 'string') return `must be at most ${max} characters`;
      if (issue.origin === 'array') return `must have at most ${max} item${issue.maximum === 1 ? '' : 's'}`;
      return issue.inclusive ? `must be at most ${max}` : `must be less than ${max}`;
    }
    case 'custom':
      return issue.message;
    case 'invalid_union':
      return 'has an unexpected type';
    default:
      return 'is not valid';
  }
}

function fieldPathOf(issue: Issue): (string | number)[] {
  return issue.path.filter((s): s is string | number => typeof s !== 'symbol');
}

/** The one place a zod issue becomes a ConfigError (a UsageError when an input override set the field). */
export function issueToConfigError(issue: Issue, source: SourceFile): ConfigError | UsageError {
  return source.errorAt(fieldPathOf(issue), reasonOf(issue, source));
}

/** The error that comes first in the file (line, then column); an input's error comes before the file's. */
export function firstInDocument<E extends ConfigError | UsageError>(errors: E[]): E | undefined {
  const line = (e: E) => ('line' in e ? (e.line ?? 0) : 0);
  const column = (e: E) => ('column' in e ? (e.column ?? 0) : 0);
  return [...errors].sort((a, b) => line(a) - line(b) || column(a) - column(b))[0];
}

/** Parses the file's value with a schema; throws the first problem in document order. */
export function parseWithSchema<T>(schema: z.ZodType<T>, source: SourceFile): T {
  // Schemas are built per file (they close over it), so compiling them (zod JIT) would cost more than it saves.
  const result = schema.safeParse(source.value, { reportInput: true, jitless: true });
  if (result.success) return result.data;
  const first = firstInDocument(result.error.issues.map((issue) => issueToConfigError(issue, source)));
  if (first) throw first;
  throw source.errorAt([], 'is not valid');
}
