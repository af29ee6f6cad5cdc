// `expect` lines: one assertion per line, `<JSONPath> <op> [argument]`. Parsed while the action validates
// its inputs (a bad line is an input error, before anything is sent), checked against every response.
//
//   $.predictions[0] == 11055.97          value parsed as JSON, else taken as a bare string
//   $.status != "error"
//   $.predictions[0] ~= 11055.97 ± 0.01   also `+/-`; |actual - expected| <= tolerance
//   $.label matches /^(cat|dog)$/i        strings only
//   $.predictions length 3                arrays, strings (characters) and objects (keys)
//   $.predictions[*] type number          number|string|boolean|object|array|null|integer
//   $.model_version exists
//
// Blank lines and lines starting with `#` are skipped. A path that reaches nothing fails every op (even `!=`);
// `[*]` on an empty array or object fails too (a smoke test expects something to check).

import { UsageError } from '../errors.ts';
import { describeValue, formatValue, jsonEqual, jsonTypeOf } from './json-values.ts';
import { evaluateJsonPath, JsonPathSyntaxError, type PathSegment, parseJsonPath } from './jsonpath.ts';

export const TYPE_NAMES = ['number', 'string', 'boolean', 'object', 'array', 'null', 'integer'] as const;
export type ExpectedType = (typeof TYPE_NAMES)[number];

export type ExpectationOp =
  | { op: '=='; value: unknown }
  | { op: '!='; value: unknown }
  | { op: '~='; value: number; tolerance: number; shown: string }
  | { op: 'matches'; regex: RegExp }
  | { op: 'length'; length: number }
  | { op: 'type'; type: ExpectedType }
  | { op: 'exists' };

export type Expectation = {
  /** 1-based line in the `expect` input. */
  line: number;
  /** The line as written (trimmed). */
  text: string;
  path: string;
  segments: PathSegment[];
} & ExpectationOp;

export interface AssertionFailure {
  /** The concrete JSONPath (wildcards resolved), `status`, `latency` or `` for the whole response. */
  path: string;
  op: string;
  expected: string;
  actual: string;
  message: string;
}

const NUMBER = String.raw`[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?`;
const APPROX = new RegExp(String.raw`^(${NUMBER})\s*(?:±|\+/-)\s*(${NUMBER})$`);

/** Parses the `expect` input. Throws UsageError(`expect: line N: \`text\`: reason`) on the first bad line. */
export function parseExpectations(text: string): Expectation[] {
  const out: Expectation[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    try {
      out.push(parseLine(line, index + 1));
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new UsageError(`line ${index + 1}: \`${line}\`: ${reason}`, 'expect');
    }
  });
  return out;
}

function parseLine(text: string, line: number): Expectation {
  const end = pathEnd(text);
  const path = text.slice(0, end);
  let segments: PathSegment[];
  try {
    segments = parseJsonPath(path);
  } catch (err) {
    if (err instanceof JsonPathSyntaxError) throw new Error(`bad path "${path}": ${err.message}`);
    throw err;
  }
  const rest = text.slice(end).trim();
  const m = /^(==|!=|~=|matches\b|length\b|type\b|exists\b)\s*(.*)$/s.exec(rest);
  if (!m) {
    const word = rest.split(/\s+/)[0] || '(none)';
    throw new Error(`unknown operator "${word}" (use ==, !=, ~=, matches, length, type or exists)`);
  }
  const base = { line, text, path, segments };
  const op = m[1]!;
  const arg = m[2]!.trim();
  switch (op) {
    case '==':
    case '!=':
      if (arg === '') throw new Error(`${op} needs a value`);
      return { ...base, op, value: parseValue(arg) };
    case '~=': {
      const a = APPROX.exec(arg);
      if (!a) throw new Error('expected `~= NUMBER ± TOLERANCE` (or `+/-`)');
      const tolerance = Number(a[2]);
      if (tolerance < 0) throw new Error('the tolerance must not be negative');
      return { ...base, op, value: Number(a[1]), tolerance, shown: `${a[1]} ± ${a[2]}` };
    }
    case 'matches': {
      const r = /^\/(.*)\/([a-z]*)$/s.exec(arg);
      if (!r) throw new Error('expected `matches /regex/flags`');
      try {
        return { ...base, op, regex: new RegExp(r[1]!, r[2]) };
      } catch (err) {
        throw new Error(`bad regular expression: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    case 'length':
      if (!/^\d+$/.test(arg)) throw new Error('expected `length N` with N a whole number');
      return { ...base, op, length: Number(arg) };
    case 'type':
      if (!(TYPE_NAMES as readonly string[]).includes(arg)) {
        throw new Error(`expected \`type\` one of ${TYPE_NAMES.join(', ')}`);
      }
      return { ...base, op, type: arg as ExpectedType };
    default:
      if (arg !== '') throw new Error('`exists` takes no argument');
      return { ...base, op: 'exists' };
  }
}

/** Where the path ends: the first whitespace outside a bracketed, quoted key. */
function pathEnd(text: string): number {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if ((ch === "'" || ch === '"') && text[i - 1] === '[') {
      quote = ch;
    } else if (/\s/.test(ch) || (i > 0 && /[=!~]/.test(ch) && text[i + 1] === '=')) {
      return i;
    }
  }
  return text.length;
}

function parseValue(arg: string): unknown {
  try {
    return JSON.parse(arg);
  } catch {
    return arg;
  }
}

/** The text shown as "expected …" for an expectation. */
export function expectedText(e: Expectation): string {
  switch (e.op) {
    case '==':
      return formatValue(e.value);
    case '!=':
      return `not ${formatValue(e.value)}`;
    case '~=':
      return e.shown;
    case 'matches':
      return `a string matching ${e.regex}`;
    case 'length':
      return `length ${e.length}`;
    case 'type':
      return `type ${e.type}`;
    default:
      return 'a value';
  }
}

/** Checks one expectation against a parsed response; one failure per failing match (`[*]` may give many). */
export function checkExpectation(e: Expectation, doc: unknown): AssertionFailure[] {
  const expected = expectedText(e);
  const failures: AssertionFailure[] = [];
  for (const m of evaluateJsonPath(e.segments, doc)) {
    let actual: string | undefined;
    if (!m.found) actual = m.empty ? `no elements (${m.path} is empty)` : 'nothing';
    else actual = mismatch(e, m.value);
    if (actual !== undefined) {
      failures.push({
        path: m.path,
        op: e.op,
        expected,
        actual,
        message: `${m.path}: expected ${expected}, got ${actual}`,
      });
    }
  }
  return failures;
}

/** The "got …" text when value fails e, or undefined when it passes. */
function mismatch(e: Expectation, value: unknown): string | undefined {
  switch (e.op) {
    case '==':
      return jsonEqual(e.value, value) ? undefined : formatValue(value);
    case '!=':
      return jsonEqual(e.value, value) ? formatValue(value) : undefined;
    case '~=': {
      if (typeof value !== 'number') return describeValue(value);
      const diff = Math.abs(value - e.value);
      // Slack of a few ulps, so `11055.98 ~= 11055.97 ± 0.01` is not failed by binary rounding.
      const slack = 8 * Number.EPSILON * Math.max(1, Math.abs(value), Math.abs(e.value));
      return diff <= e.tolerance + slack ? undefined : formatValue(value);
    }
    case 'matches':
      if (typeof value !== 'string') return describeValue(value);
      e.regex.lastIndex = 0; // `g`/`y` flags keep state between test() calls
      return e.regex.test(value) ? undefined : formatValue(value);
    case 'length': {
      const length = lengthOf(value);
      if (length === undefined) return describeValue(value);
      return length === e.length ? undefined : `length ${length}`;
    }
    case 'type': {
      const ok = e.type === 'integer' ? Number.isInteger(value) : jsonTypeOf(value) === e.type;
      return ok ? undefined : describeValue(value);
    }
    default:
      return undefined;
  }
}

function lengthOf(value: unknown): number | undefined {
  if (typeof value === 'string') return [...value].length;
  if (Array.isArray(value)) return value.length;
  if (value && typeof value === 'object') return Object.keys(value).length;
  return undefined;
}
