// Everything a smoke test checks on a response: `expect-status`, `expect-json` (subset), `expect` lines and
// `expect-schema`. The parsers here run during input validation, so bad input fails before anything is sent.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.ts';
import { cutBuffer, oneLine } from './cut.ts';
import { type AssertionFailure, checkExpectation, type Expectation } from './expectations.ts';
import type { ProbeOutcome } from './http.ts';
import { matchJsonSubset } from './json-values.ts';
import { checkJson } from './requests.ts';
import type { ResponseSchema } from './schema.ts';

export {
  type AssertionFailure,
  checkExpectation,
  type Expectation,
  parseExpectations,
} from './expectations.ts';
export { loadResponseSchema, type ResponseSchema } from './schema.ts';

export interface ExpectStatus {
  /** Exact codes, e.g. [200, 201]. */
  codes: number[];
  /** Classes from `2xx`-style entries, as the leading digit. */
  classes: number[];
  /** As shown in messages: `200`, `200,201`, `2xx`. */
  text: string;
}

/** `200`, `200,201`, `200, 201`, `2xx` (or a number / list of numbers). */
export function parseExpectStatus(input: string | number | readonly number[]): ExpectStatus {
  const parts =
    typeof input === 'number'
      ? [String(input)]
      : Array.isArray(input)
        ? input.map(String)
        : String(input).split(',');
  const codes: number[] = [];
  const classes: number[] = [];
  for (const raw of parts) {
    const part = raw.trim().toLowerCase();
    if (/^[1-5]xx$/.test(part)) classes.push(Number(part[0]));
    else if (/^[1-5]\d\d$/.test(part)) codes.push(Number(part));
    else
      throw new UsageError(
        `"${raw.trim()}" is not an HTTP status (use e.g. 200, 200,201 or 2xx)`,
        'expect-status',
      );
  }
  if (codes.length + classes.length === 0) throw new UsageError('give at least one status', 'expect-status');
  const text = [...codes.map(String), ...classes.map((c) => `${c}xx`)].join(',');
  return { codes, classes, text };
}

export function statusMatches(expect: ExpectStatus, status: number): boolean {
  return expect.codes.includes(status) || expect.classes.includes(Math.floor(status / 100));
}

/**
 * The `expect-json` input: inline JSON when it parses (or looks like an object/array), else a file path
 * relative to baseDir. Bad inline JSON is a UsageError; a bad file a ConfigError naming the file and line.
 */
export async function loadExpectJson(input: string, baseDir: string): Promise<unknown> {
  const text = input.trim();
  try {
    return JSON.parse(text);
  } catch (err) {
    if (/^[[{"]/.test(text)) {
      throw new UsageError(`not valid JSON: ${(err as Error).message}`, 'expect-json');
    }
  }
  let content: string;
  try {
    content = await readFile(path.resolve(baseDir, text), 'utf8');
  } catch {
    throw new UsageError(
      `"${text}" is neither inline JSON nor a readable file (in ${baseDir})`,
      'expect-json',
    );
  }
  return checkJson(content, text);
}

export interface ResponseChecks {
  expectStatus: ExpectStatus;
  /** The subset `expect-json` wants; `hasExpectJson` tells `null` apart from "not given". */
  expectJson?: unknown;
  hasExpectJson?: boolean;
  expectations: readonly Expectation[];
  schema?: ResponseSchema;
}

/** A response as the checks see it: its JSON body parsed once. */
export interface CheckedResponse {
  outcome: ProbeOutcome;
  json: { ok: true; value: unknown } | { ok: false; error: string };
}

export interface AssertionVerdict {
  /** The first failure for this response. */
  first: AssertionFailure;
  /** Failures for this response (a `[*]` path or a subset may fail in several places). */
  count: number;
}

export interface Assertion {
  /** Names the assertion in reports: `status 200`, `expect-json`, `expect-schema FILE`, or the expect line. */
  text: string;
  expected: string;
  /** Body assertions are only checked on responses that have the expected status. */
  onBody: boolean;
  check(response: CheckedResponse): AssertionVerdict | undefined;
}

export function parseResponseJson(outcome: ProbeOutcome): CheckedResponse {
  try {
    return { outcome, json: { ok: true, value: JSON.parse(outcome.body.toString('utf8')) } };
  } catch (err) {
    return { outcome, json: { ok: false, error: (err as Error).message } };
  }
}

export function buildAssertions(checks: ResponseChecks): Assertion[] {
  const { expectStatus } = checks;
  const assertions: Assertion[] = [
    {
      text: `status ${expectStatus.text}`,
      expected: expectStatus.text,
      onBody: false,
      check: ({ outcome }) => {
        if (outcome.status !== undefined && statusMatches(expectStatus, outcome.status)) return undefined;
        const actual =
          outcome.status !== undefined
            ? String(outcome.status)
            : `${outcome.errorClass ?? 'error'}${outcome.error ? ` (${outcome.error})` : ''}`;
        return one({
          path: 'status',
          op: 'status',
          expected: expectStatus.text,
          actual,
          message: `status: expected ${expectStatus.text}, got ${actual}`,
        });
      },
    },
  ];
  const hasExpectJson = checks.hasExpectJson ?? checks.expectJson !== undefined;
  if (hasExpectJson) {
    assertions.push(
      bodyAssertion('expect-json', 'a JSON body containing the expect-json subset', (doc) =>
        matchJsonSubset(checks.expectJson, doc).map((m) => ({
          path: m.path,
          op: 'json-subset',
          expected: m.expected,
          actual: m.actual,
          message: `${m.path}: expected ${m.expected}, got ${m.actual}`,
        })),
      ),
    );
  }
  for (const e of checks.expectations) {
    assertions.push(
      bodyAssertion(e.text, e.text.slice(e.path.length).trim(), (doc) => checkExpectation(e, doc)),
    );
  }
  if (checks.schema) {
    const schema = checks.schema;
    assertions.push(
      bodyAssertion(`expect-schema ${schema.file}`, `conforms to ${schema.file}`, (doc) =>
        schema.validate(doc),
      ),
    );
  }
  return assertions;
}

function bodyAssertion(
  text: string,
  expected: string,
  failuresFor: (doc: unknown) => AssertionFailure[],
): Assertion {
  return {
    text,
    expected,
    onBody: true,
    check: ({ outcome, json }) => {
      if (!json.ok) {
        const start = oneLine(cutBuffer(outcome.body, 200), 300);
        const actual = outcome.body.length === 0 ? 'an empty body' : `invalid JSON (${json.error}): ${start}`;
        return one({
          path: '$',
          op: 'json',
          expected: 'a JSON body',
          actual,
          message: `$: expected a JSON body, got ${actual}`,
        });
      }
      const failures = failuresFor(json.value);
      return failures.length === 0 ? undefined : { first: failures[0]!, count: failures.length };
    },
  };
}

function one(first: AssertionFailure): AssertionVerdict {
  return { first, count: 1 };
}
