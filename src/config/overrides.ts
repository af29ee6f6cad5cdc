// Input overrides of a config file's fields, applied to the parsed file before its schema sees it, as
// `az ml … --set path=value --endpoint-name X --name Y` do: the same schema validates file and overrides, and
// a problem in an overridden field names the input (`set: instance_count=0: must be at least 1`), not a line.

import { parseDocument } from 'yaml';
import { UsageError } from '../errors.ts';
import { clip } from '../io/clip.ts';
import { pyyamlTags } from '../pyyaml/scalars.ts';
import { isPlainObject } from './field-schemas.ts';
import { type FieldPath, formatFieldPath, type SourceFile } from './source-file.ts';

export interface ConfigOverride {
  /** Where in the file: `['environment_variables', 'MODE']`. */
  path: (string | number)[];
  value: unknown;
  /** The input that asked for it (`set`, `endpoint-name`, `deployment-name`). */
  input: string;
  /** What the input said, for messages: `instance_count=2` (empty for a name: its messages quote it). */
  written: string;
  /** The value as written (a plain scalar), so string maps get Python's str() of it. */
  scalar?: string;
}

/** One `dotted.path=value` of the set input: which field of the file, and the value (a YAML 1.1 scalar). */
export function parseSetEntry(entry: string): ConfigOverride | string {
  const eq = entry.indexOf('=');
  const shown = clip(entry);
  if (eq <= 0) return `has '${shown}', which is not dotted.path=value (e.g. instance_count=2)`;
  const pathText = entry.slice(0, eq).trim();
  const valueText = entry.slice(eq + 1).trim();
  const path: (string | number)[] = [];
  for (const part of pathText.split('.')) {
    const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part.trim());
    if (!m) return `has '${shown}', whose '${clip(pathText)}' is not a dotted path (a.b.c, a list item a[0])`;
    path.push(m[1]!);
    for (const index of m[2]!.matchAll(/\[(\d+)\]/g)) path.push(Number(index[1]));
  }
  let value: unknown = valueText;
  if (valueText !== '') {
    const doc = parseDocument(valueText, { version: '1.1', customTags: pyyamlTags, prettyErrors: false });
    if (doc.errors.length > 0) {
      return `has '${shown}', whose value is not a YAML value (${doc.errors[0]!.message.split('\n')[0]})`;
    }
    value = doc.toJS();
  }
  return { path, value, input: 'set', written: `${pathText}=${valueText}`, scalar: valueText };
}

/**
 * The set input: one `dotted.path=value` per line, or a comma list on one line (a comma starts a new entry
 * only where `name=` follows, so `tags={a: 1, b: 2}` stays one value).
 */
export function parseSetInput(raw: string | undefined): ConfigOverride[] | string {
  if (raw === undefined || raw.trim() === '') return [];
  const entries = raw.includes('\n') ? raw.split(/\r?\n/) : raw.split(/,(?=\s*[A-Za-z_$][\w$.[\]/-]*\s*=)/);
  const out: ConfigOverride[] = [];
  for (const entry of entries) {
    const t = entry.trim();
    if (t === '' || t.startsWith('#')) continue;
    const parsed = parseSetEntry(t);
    if (typeof parsed === 'string') return parsed;
    out.push(parsed);
  }
  return out;
}

function startsWith(full: FieldPath, prefix: FieldPath): boolean {
  return prefix.length <= full.length && prefix.every((s, i) => String(s) === String(full[i]));
}

/** The file as the overrides change it. Throws UsageError (naming the input) when a path cannot be set. */
export function withOverrides(source: SourceFile, overrides: readonly ConfigOverride[]): SourceFile {
  if (overrides.length === 0) return source;
  const value: unknown = structuredClone(source.value);
  if (!isPlainObject(value)) return source;
  for (const o of overrides) {
    let node: Record<string | number, unknown> = value;
    for (const [i, segment] of o.path.entries()) {
      const last = i === o.path.length - 1;
      if (last) {
        node[segment] = o.value;
        break;
      }
      let next = Object.hasOwn(node, segment) ? node[segment] : undefined;
      if (next === undefined || next === null) {
        next = {};
        node[segment] = next;
      }
      if (typeof next !== 'object' || next instanceof Date) {
        const at = formatFieldPath(o.path.slice(0, i + 1));
        throw new UsageError(`${o.written}: ${at} is a value in ${source.file}, not a mapping`, o.input);
      }
      node = next as Record<string | number, unknown>;
    }
  }

  const paths = new WeakMap<object, FieldPath>();
  const record = (v: unknown, at: FieldPath, depth: number) => {
    if (typeof v !== 'object' || v === null || paths.has(v) || depth > 200) return;
    paths.set(v, at);
    if (Array.isArray(v)) for (const [i, item] of v.entries()) record(item, [...at, i], depth + 1);
    else if (Object.getPrototypeOf(v) === Object.prototype)
      for (const [k, item] of Object.entries(v)) record(item, [...at, k], depth + 1);
  };
  record(value, [], 0);

  // The last override of a path (or of a mapping above it) is the one that holds.
  const overrideAt = (fieldPath: FieldPath): ConfigOverride | undefined =>
    [...overrides].reverse().find((o) => startsWith(fieldPath, o.path));
  const valueAt = (fieldPath: FieldPath): unknown => {
    let v: unknown = value;
    for (const segment of fieldPath) {
      if (typeof v !== 'object' || v === null || !Object.hasOwn(v, segment)) return undefined;
      v = (v as Record<string | number, unknown>)[segment];
    }
    return v;
  };

  const overlay: SourceFile = {
    ...source,
    value,
    pathOf: (node) => paths.get(node),
    valueAt,
    pythonStrAt(fieldPath) {
      const o = overrideAt(fieldPath);
      if (!o) return source.pythonStrAt(fieldPath);
      const v = valueAt(fieldPath);
      return String(fieldPath.length === o.path.length && typeof v === 'number' ? o.scalar : v);
    },
    scalarSourceAt(fieldPath) {
      const o = overrideAt(fieldPath);
      if (!o) return source.scalarSourceAt(fieldPath);
      return fieldPath.length === o.path.length ? o.scalar : undefined;
    },
    overrideAt: (fieldPath) => {
      const o = overrideAt(fieldPath);
      return o ? { input: o.input, written: o.written, path: o.path } : undefined;
    },
    errorAt(fieldPath, message) {
      const o = overrideAt(fieldPath);
      if (!o) return source.errorAt(fieldPath, message);
      // The field is named only when it is below the one the input set (no `instance_count=0: instance_count:`).
      const below = fieldPath.length > o.path.length ? `${formatFieldPath(fieldPath)}: ` : '';
      return new UsageError(`${o.written ? `${o.written}: ` : ''}${below}${message}`, o.input);
    },
  };
  return overlay;
}

/** An input naming a resource fills or replaces that field of the file (its messages quote the name). */
export function nameOverride(path: string, name: string, input: string): ConfigOverride {
  return { path: [path], value: name, input, written: '', scalar: name };
}
