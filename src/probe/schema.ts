// `expect-schema`: a JSON Schema file, draft 2020-12 (also the default when `$schema` is absent), 2019-09 or
// draft-07/06, validated with ajv. Formats (`format: date-time` ...) are not checked: ajv-formats is not a
// dependency, and an unknown format must not make a valid schema unusable.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ErrorObject } from 'ajv/dist/2020.js';
import { ConfigError } from '../errors.ts';
import type { AssertionFailure } from './expectations.ts';
import { describeValue } from './json-values.ts';
import { formatKey } from './jsonpath.ts';
import { checkJson } from './requests.ts';

export interface ResponseSchema {
  /** The file as the user named it. */
  file: string;
  /** Failures for a parsed response body; empty when it conforms. */
  validate(doc: unknown): AssertionFailure[];
}

// ajv is CommonJS: under Node ESM (and esbuild's node mode) the default import is module.exports, whose
// `.default` is the class; TypeScript's NodeNext view agrees, so `.default` works everywhere. It is loaded only
// when a schema is given, to keep it off every action's start-up path.
async function loadAjv() {
  const [draft07, v2019, v2020] = await Promise.all([
    import('ajv'),
    import('ajv/dist/2019.js'),
    import('ajv/dist/2020.js'),
  ]);
  return {
    AjvDraft07: draft07.default.default,
    Ajv2019: v2019.default.default,
    Ajv2020: v2020.default.default,
  };
}
type AjvClasses = Awaited<ReturnType<typeof loadAjv>>;

const AJV_OPTIONS = { allErrors: true, strict: false, validateFormats: false, logger: false } as const;

function ajvFor({ Ajv2020, Ajv2019, AjvDraft07 }: AjvClasses, schema: unknown, file: string) {
  const declared =
    schema && typeof schema === 'object' ? (schema as { $schema?: unknown }).$schema : undefined;
  if (declared === undefined || (typeof declared === 'string' && declared.includes('2020-12'))) {
    return new Ajv2020(AJV_OPTIONS);
  }
  if (typeof declared === 'string' && declared.includes('2019-09')) return new Ajv2019(AJV_OPTIONS);
  if (typeof declared === 'string' && /draft-0[67]/.test(declared)) return new AjvDraft07(AJV_OPTIONS);
  throw new ConfigError({
    file,
    field: '$schema',
    message: `unsupported $schema ${JSON.stringify(declared)} (use draft 2020-12, 2019-09 or draft-07)`,
  });
}

/** Reads and compiles a schema file; a broken file or schema is a ConfigError naming the file. */
export async function loadResponseSchema(file: string, baseDir: string): Promise<ResponseSchema> {
  let text: string;
  try {
    text = await readFile(path.resolve(baseDir, file), 'utf8');
  } catch (err) {
    throw new ConfigError({ file, message: `cannot read the schema: ${(err as Error).message}` });
  }
  return compileResponseSchema(checkJson(text, file), file);
}

export async function compileResponseSchema(schema: unknown, file: string): Promise<ResponseSchema> {
  const ajv = ajvFor(await loadAjv(), schema, file);
  let validateFn: ReturnType<typeof ajv.compile>;
  try {
    validateFn = ajv.compile(schema as object);
  } catch (err) {
    throw new ConfigError({ file, message: `not a usable JSON Schema: ${(err as Error).message}` });
  }
  return {
    file,
    validate(doc) {
      if (validateFn(doc)) return [];
      return (validateFn.errors ?? []).map((e: ErrorObject) => {
        const where = pointerToPath(e.instancePath);
        const expected = `${e.keyword}: ${e.message ?? 'invalid'}`;
        const actual = describeValue(valueAt(doc, e.instancePath));
        return {
          path: where,
          op: 'schema',
          expected,
          actual,
          message: `${where}: ${e.message ?? 'invalid'}, got ${actual}`,
        };
      });
    },
  };
}

function pointerTokens(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** `/predictions/0` -> `$.predictions[0]` */
export function pointerToPath(pointer: string): string {
  let out = '$';
  for (const t of pointerTokens(pointer)) out += /^\d+$/.test(t) ? `[${t}]` : formatKey(t);
  return out;
}

function valueAt(doc: unknown, pointer: string): unknown {
  let v = doc;
  for (const t of pointerTokens(pointer)) {
    if (v && typeof v === 'object') v = (v as Record<string, unknown>)[t];
    else return undefined;
  }
  return v;
}
