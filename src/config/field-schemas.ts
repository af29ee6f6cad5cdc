// Zod building blocks that accept what `az ml` (marshmallow over PyYAML) accepts: integers from numeric
// strings and truncated floats, booleans from 'yes'/'true', enums after camel_to_snake or lower(), and
// string maps whose values go through Python's str().

import { z } from 'zod';
import { envVarProblem } from './env-vars.ts';
import type { FieldPath, SourceFile } from './source-file.ts';
import { formatFieldPath } from './source-file.ts';
import type { ConfigNote } from './spec.ts';

/** What every schema factory needs: the file (positions, str(), relative paths) and a place for notes. */
export interface LoadContext {
  source: SourceFile;
  notes: ConfigNote[];
}

/** marshmallow Integer(strict=False): int('2500'), int(10.5) → 10; booleans are rejected. */
function toPythonInt(v: unknown): unknown {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'string' && /^\s*[-+]?[0-9](?:_?[0-9])*\s*$/.test(v)) return Number(v.replaceAll('_', ''));
  return v;
}

const TRUTHY = new Set([
  't',
  'T',
  'true',
  'True',
  'TRUE',
  'on',
  'On',
  'ON',
  'y',
  'Y',
  'yes',
  'Yes',
  'YES',
  '1',
]);
const FALSY = new Set([
  'f',
  'F',
  'false',
  'False',
  'FALSE',
  'off',
  'Off',
  'OFF',
  'n',
  'N',
  'no',
  'No',
  'NO',
  '0',
]);

/** marshmallow Boolean: its truthy/falsy string sets and 0/1. */
function toPythonBool(v: unknown): unknown {
  if (typeof v === 'string' && TRUTHY.has(v)) return true;
  if (typeof v === 'string' && FALSY.has(v)) return false;
  if (v === 1) return true;
  if (v === 0) return false;
  return v;
}

export const nonNegativeInt = z.preprocess(toPythonInt, z.number().int().min(0));

/**
 * A number of instances: a whole number of at least 1. Stricter than marshmallow on purpose: `1.5` is not
 * truncated to 1 and `0` is not sent (a deployment with no instance serves nothing).
 */
export const instanceCount = z.unknown().transform((v, zctx): number => {
  const n =
    typeof v === 'string' && /^\s*[-+]?[0-9](?:_?[0-9])*\s*$/.test(v) ? Number(v.replaceAll('_', '')) : v;
  if (typeof n !== 'number' || typeof v === 'boolean') {
    zctx.addIssue({ code: 'custom', message: 'expected a number', input: v });
    return z.NEVER;
  }
  if (!Number.isInteger(n)) {
    zctx.addIssue({ code: 'custom', message: `must be a whole number (got ${n})`, input: v });
    return z.NEVER;
  }
  if (n < 1) {
    zctx.addIssue({ code: 'custom', message: `must be at least 1 (got ${n})`, input: v });
    return z.NEVER;
  }
  return n;
});

/** environment_variables: a string map whose names and values are checked (envVarProblem). */
export function envVarMap(ctx: LoadContext, nulls: 'error' | 'empty' = 'error') {
  return stringMap(ctx, nulls).transform((vars, zctx): Record<string, string> => {
    for (const [name, value] of Object.entries(vars)) {
      const problem = envVarProblem(name, value);
      if (problem) zctx.addIssue({ code: 'custom', path: [name], message: problem, input: value });
    }
    return vars;
  });
}

/** marshmallow Integer in a range, e.g. a percentage. */
export function intInRange(min: number, max?: number) {
  const n = z.number().int().min(min);
  return z.preprocess(toPythonInt, max === undefined ? n : n.max(max));
}
export const pyBool = z.preprocess(toPythonBool, z.boolean());

/** azure-ai-ml's camel_to_snake: AMLToken, amlToken, AML_TOKEN → aml_token. */
export function camelToSnake(text: string): string {
  return text
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** An enum compared after camel_to_snake (auth_mode, scale_settings.type, identity.type, deployment type). */
export function snakeEnum<const T extends readonly [string, ...string[]]>(values: T) {
  return z.preprocess((v) => (typeof v === 'string' ? camelToSnake(v) : v), z.enum(values));
}

/** An enum compared after lower() (public_network_access, model type, os_type). */
export function lowerEnum<const T extends readonly [string, ...string[]]>(values: T) {
  return z.preprocess((v) => (typeof v === 'string' ? v.toLowerCase() : v), z.enum(values));
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

/** Python truthiness of a loaded value (how az ml and v1 test optional keys). */
export function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (isPlainObject(v)) return Object.keys(v).length > 0;
  return Boolean(v);
}

export const mapping = z.custom<Record<string, unknown>>(isPlainObject, { message: 'expected a mapping' });

/**
 * A map whose values are sent through Python's str() (tags, properties, environment_variables).
 * `nulls: 'error'` rejects `KEY:` with no value (az ml does, for environment_variables); otherwise an
 * empty value becomes "" with a warning.
 */
export function stringMap(ctx: LoadContext, nulls: 'error' | 'empty' = 'empty') {
  return z.unknown().transform((v, zctx): Record<string, string> => {
    if (!isPlainObject(v)) {
      zctx.addIssue({
        code: 'custom',
        message: v === null ? 'expected a mapping (the value is empty)' : 'expected a mapping',
        input: v,
      });
      return z.NEVER;
    }
    const at: FieldPath = ctx.source.pathOf(v) ?? [];
    const out: Record<string, string> = {};
    for (const [key, item] of Object.entries(v)) {
      if (item === null || item === undefined) {
        if (nulls === 'error') {
          zctx.addIssue({
            code: 'custom',
            path: [key],
            message: 'has no value (write "" for an empty string)',
          });
          continue;
        }
        addNote(ctx, 'warning', [...at, key], 'has no value; an empty string is used');
        out[key] = '';
        continue;
      }
      out[key] = ctx.source.pythonStrAt([...at, key]);
    }
    return out;
  });
}

/**
 * Replaces the listed scalar fields of an object by their Python str() before validation (`version: 1.10`
 * is "1.1", as az ml sends it). The object must come straight from the file (its path is looked up).
 */
export function withPythonStrings(ctx: LoadContext, keys: readonly string[]) {
  return (v: unknown): unknown => {
    if (!isPlainObject(v)) return v;
    const at = ctx.source.pathOf(v);
    if (!at) return v;
    const copy: Record<string, unknown> = { ...v };
    for (const key of keys) {
      const item = copy[key];
      if (typeof item === 'number' || typeof item === 'boolean' || item instanceof Date) {
        copy[key] = ctx.source.pythonStrAt([...at, key]);
      }
    }
    return copy;
  };
}

/**
 * Adds a note at a field of the file; `message` is prefixed with the field path unless `about` is
 * 'file' (a note on the whole file that is merely placed on that field's line).
 */
export function addNote(
  ctx: LoadContext,
  level: ConfigNote['level'],
  at: FieldPath,
  message: string,
  about: 'field' | 'file' = 'field',
): void {
  const field = about === 'field' ? formatFieldPath(at) : '';
  ctx.notes.push({
    level,
    message: field ? `${field}: ${message}` : message,
    file: ctx.source.file,
    line: ctx.source.positionOf(at).line,
    ...(field ? { field } : {}),
  });
}

/** Drops undefined properties, so results compare equal to literal objects in tests and JSON. */
export function compact<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Runs a schema on a value from inside a transform and reports its issues at the right paths (`at`: where
 * the value sits relative to the transform's own value). Used where a field is either a reference string
 * or a mapping. Returns z.NEVER when it failed.
 */
export function parseNested<T>(
  schema: z.ZodType<T>,
  value: unknown,
  zctx: z.core.$RefinementCtx,
  at: PropertyKey[] = [],
): T {
  const result = schema.safeParse(value, { reportInput: true, jitless: true });
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const issuePath = [...at, ...issue.path];
    // zod fills in the transform's own input when an issue has none; a missing key must stay "missing".
    if ((issue.code === 'invalid_type' || issue.code === 'invalid_value') && issue.input === undefined) {
      zctx.addIssue({ code: 'custom', path: issuePath, message: 'is required' });
    } else {
      zctx.addIssue({ ...issue, path: issuePath } as z.core.$ZodRawIssue);
    }
  }
  return z.NEVER;
}
