// Parsers for the value kinds inputs share: strict booleans, numbers, durations, key=value lists, JSON,
// enums. Each takes the raw string (undefined when unset) and says what it expected in its message.

import * as z from 'zod/mini';
import { envVarProblem } from '../../config/env-vars.ts';
import { parseSetEntries } from '../../config/set-entries.ts';
import { clip } from '../../io/clip.ts';

type Raw = string | undefined;

const raw = () => z.optional(z.string());

const booleanSchemas = new WeakSet<object>();

/** True for schemas made by bool(): the CLI lets such a flag stand alone (`--dry-run`). */
export function isBooleanSchema(schema: object): boolean {
  return booleanSchemas.has(schema);
}

/** Strict `true` / `false` (case-insensitive, as the runner's getBooleanInput). */
export function bool() {
  const schema = z.pipe(
    raw(),
    z.transform((v, ctx) => {
      const t = v?.trim().toLowerCase();
      if (t === 'true') return true;
      if (t === 'false' || t === undefined) return false;
      ctx.issues.push({
        code: 'custom',
        message: `must be true or false (got '${clip(String(v))}')`,
        input: v,
      });
      return z.NEVER;
    }),
  );
  booleanSchemas.add(schema);
  return schema;
}

export function optionalString() {
  return z.pipe(
    raw(),
    z.transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim())),
  );
}

export function requiredString() {
  return z.pipe(
    raw(),
    z.transform((v, ctx) => {
      if (v === undefined || v.trim() === '') {
        ctx.issues.push({ code: 'custom', message: 'is required', input: v });
        return z.NEVER;
      }
      return v.trim();
    }),
  );
}

/** A whole number within bounds; undefined stays undefined. */
export function integer(opts: { min?: number; max?: number } = {}) {
  return boundedNumber(/^-?\d+$/, 'a whole number', opts);
}

/** A number (decimals allowed) within bounds, e.g. a rate or a ratio; undefined stays undefined. */
export function decimal(opts: { min?: number; max?: number } = {}) {
  return boundedNumber(/^-?(\d+(\.\d*)?|\.\d+)$/, 'a number', opts);
}

function boundedNumber(pattern: RegExp, what: string, opts: { min?: number; max?: number }) {
  return z.pipe(
    raw(),
    z.transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return undefined;
      const t = v.trim();
      if (!pattern.test(t)) {
        ctx.issues.push({ code: 'custom', message: `must be ${what} (got '${clip(String(v))}')`, input: v });
        return z.NEVER;
      }
      const n = Number(t);
      if (opts.min !== undefined && n < opts.min) {
        ctx.issues.push({ code: 'custom', message: `must be at least ${opts.min} (got ${n})`, input: v });
        return z.NEVER;
      }
      if (opts.max !== undefined && n > opts.max) {
        ctx.issues.push({ code: 'custom', message: `must be at most ${opts.max} (got ${n})`, input: v });
        return z.NEVER;
      }
      return n;
    }),
  );
}

/** A non-negative number (decimals allowed): minutes, seconds, milliseconds as the input name says. */
export function duration(
  unit: 'hours' | 'minutes' | 'seconds' | 'milliseconds',
  opts: { max?: number } = {},
) {
  return z.pipe(
    raw(),
    z.transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return undefined;
      const t = v.trim();
      if (!/^\d+(\.\d+)?$/.test(t)) {
        ctx.issues.push({
          code: 'custom',
          message: `must be a number of ${unit} (got '${clip(String(v))}')`,
          input: v,
        });
        return z.NEVER;
      }
      const n = Number(t);
      if (opts.max !== undefined && n > opts.max) {
        ctx.issues.push({
          code: 'custom',
          message: `must be at most ${opts.max} ${unit} (got ${n})`,
          input: v,
        });
        return z.NEVER;
      }
      return n;
    }),
  );
}

export function oneOf<const T extends readonly string[]>(values: T) {
  return z.pipe(
    raw(),
    z.transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return undefined;
      const t = v.trim();
      const found = values.find((x) => x.toLowerCase() === t.toLowerCase());
      if (found === undefined) {
        ctx.issues.push({
          code: 'custom',
          message: `must be one of ${values.join(', ')} (got '${clip(String(v))}')`,
          input: v,
        });
        return z.NEVER;
      }
      return found as T[number];
    }),
  );
}

/**
 * A string map from multiline `key=value` lines (also comma-separated on one line) or a JSON object.
 * Values of a JSON object are stringified the way Azure stores them.
 */
export function keyValueMap() {
  return z.pipe(
    raw(),
    z.transform((v, ctx) => {
      const result = parseKeyValues(v);
      if (typeof result === 'string') {
        ctx.issues.push({ code: 'custom', message: result, input: v });
        return z.NEVER;
      }
      return result;
    }),
  );
}

export function parseKeyValues(v: Raw): Record<string, string> | string {
  const out: Record<string, string> = {};
  if (v === undefined || v.trim() === '') return out;
  const t = v.trim();
  if (t.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(t);
    } catch (err) {
      return `is not valid JSON: ${(err as Error).message}`;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      return 'must be a JSON object';
    for (const [k, val] of Object.entries(parsed)) {
      out[k] = typeof val === 'string' ? val : JSON.stringify(val);
    }
    return out;
  }
  const lines = t.includes('\n') ? t.split(/\r?\n/) : t.split(',');
  for (const [i, line] of lines.entries()) {
    const s = line.trim();
    if (s === '' || s.startsWith('#')) continue;
    const eq = s.indexOf('=');
    if (eq <= 0) return `line ${i + 1} must be key=value (got '${clip(s)}')`;
    out[s.slice(0, eq).trim()] = s.slice(eq + 1).trim();
  }
  return out;
}

/** keyValueMap for environment variables: names and value sizes checked as for environment_variables. */
export function envVarMap() {
  return z.pipe(
    raw(),
    z.transform((v, ctx) => {
      const result = parseKeyValues(v);
      const problem =
        typeof result === 'string'
          ? result
          : Object.entries(result)
              .map(([name, value]) => envVarProblem(name, value))
              .find((p) => p !== undefined);
      if (problem !== undefined) {
        const message = typeof result === 'string' ? problem : `holds a bad entry: ${problem}`;
        ctx.issues.push({ code: 'custom', message, input: v });
        return z.NEVER;
      }
      return result as Record<string, string>;
    }),
  );
}

/** Any JSON value, or a path to a JSON file resolved later by the caller (kept as text here). */
export function json() {
  return z.pipe(
    raw(),
    z.transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return undefined;
      try {
        return JSON.parse(v) as unknown;
      } catch (err) {
        ctx.issues.push({
          code: 'custom',
          message: `is not valid JSON: ${(err as Error).message}`,
          input: v,
        });
        return z.NEVER;
      }
    }),
  );
}

/** Multiline text: each non-empty line trimmed. */
export function lines() {
  return z.pipe(
    raw(),
    z.transform((v) =>
      (v ?? '')
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l !== ''),
    ),
  );
}

/**
 * `dotted.path=value` overrides of the deployment YAML (as `az ml --set`): one per line, or a comma list. The
 * grammar is checked here; the values are read as YAML with the config files (no YAML parser at start-up).
 */
export function setOverrides() {
  return z.pipe(
    raw(),
    z.transform((v, ctx) => {
      const result = parseSetEntries(v);
      if (typeof result === 'string') {
        ctx.issues.push({ code: 'custom', message: result, input: v });
        return z.NEVER;
      }
      return result;
    }),
  );
}
