// One definition per input: its zod parser, description, default and flags. action.yml files are
// generated from these (scripts/action-metadata.ts) and a test keeps them equal, so defaults live here only.

// zod/mini: the same validation core as zod, tree-shakable, so parsing inputs adds ~16 KB to a bundle's
// start-up instead of ~500 KB.
import type * as z from 'zod/mini';
import { UsageError } from '../../errors.ts';

export interface InputDef<T = unknown> {
  description: string;
  /** The default as action.yml shows it; parsed like a user value when the input is not set. */
  default?: string;
  /** A default only the runner can evaluate (`${{ github.token }}`): written to action.yml, never parsed. */
  runnerDefault?: string;
  required?: boolean;
  /** Masked (setSecret) before anything is logged. */
  secret?: boolean;
  /** Receives the raw string, or undefined when the input is not set and has no default. */
  schema: InputSchema<T>;
}

export type InputDefs = Record<string, InputDef>;
export type ParsedInputs<D extends InputDefs> = {
  [K in keyof D]: D[K] extends InputDef<infer T> ? T : never;
};

/** What parseInputs needs of a schema (a zod/mini schema from input-types.ts). */
export interface InputSchema<T> {
  safeParse(
    raw: string | undefined,
  ): { success: true; data: T } | { success: false; error: { issues: readonly { message: string }[] } };
}

/** With a default the parsed value is never undefined: the default is stated here once, not after parsing. */
export function input<S extends z.ZodMiniType<unknown, string | undefined>>(
  schema: S,
  meta: Omit<InputDef<z.output<S>>, 'schema'> & { default: string },
): InputDef<Exclude<z.output<S>, undefined>>;
export function input<S extends z.ZodMiniType<unknown, string | undefined>>(
  schema: S,
  meta: Omit<InputDef<z.output<S>>, 'schema'>,
): InputDef<z.output<S>>;
export function input<S extends z.ZodMiniType<unknown, string | undefined>>(
  schema: S,
  meta: Omit<InputDef<z.output<S>>, 'schema'>,
): InputDef<z.output<S>> {
  return { ...meta, schema: schema as unknown as InputSchema<z.output<S>> };
}

export interface OutputDef {
  description: string;
}
export type OutputDefs = Record<string, OutputDef>;
export type OutputValue = string | number | boolean | object;
export type Outputs<O extends OutputDefs> = { [K in keyof O]?: OutputValue };

/**
 * Reads and parses every input before anything else happens. All problems are collected into one
 * UsageError, each line naming its input; the error's `input` is the first one.
 */
export function parseInputs<D extends InputDefs>(
  defs: D,
  read: (name: string) => string | undefined,
  onSecret: (value: string) => void,
): ParsedInputs<D> {
  const out: Record<string, unknown> = {};
  const problems: { name: string; message: string }[] = [];
  for (const [name, def] of Object.entries(defs)) {
    let raw = read(name);
    if (raw !== undefined && def.secret) onSecret(raw);
    if (raw === undefined || raw.trim() === '') raw = def.default;
    if (raw === undefined && def.required) {
      problems.push({ name, message: 'is required' });
      continue;
    }
    const result = def.schema.safeParse(raw);
    if (result.success) out[name] = result.data;
    else problems.push({ name, message: result.error.issues[0]?.message ?? 'is not valid' });
  }
  if (problems.length > 0) {
    const first = problems[0]!;
    const text = problems.map((p) => `input '${p.name}' ${p.message}`).join('; ');
    throw new UsageError(text, first.name);
  }
  return out as ParsedInputs<D>;
}
