// Input overrides of a config file's fields, applied to the parsed file before its schema sees it, as
// `az ml … --set path=value --endpoint-name X --name Y` do: the same schema validates file and overrides, and
// a problem in an overridden field names the input (`set: instance_count=0: must be at least 1`), not a line.

import { parseDocument } from 'yaml';
import { UsageError } from '../errors.ts';
import { clip } from '../io/clip.ts';
import { pyyamlTags } from '../pyyaml/scalars.ts';
import { isPlainObject } from './field-schemas.ts';
import { type ConfigOverride, parseSetEntries, parseSetEntrySyntax } from './set-entries.ts';
import { type FieldPath, formatFieldPath, type SourceFile } from './source-file.ts';

export { type ConfigOverride, nameOverride } from './set-entries.ts';

/** One `dotted.path=value` of the set input, its value read as a YAML 1.1 scalar. */
export function parseSetEntry(entry: string): ConfigOverride | string {
  const parsed = parseSetEntrySyntax(entry);
  return typeof parsed === 'string' ? parsed : resolveValue(parsed);
}

/** The set input with its values read (see set-entries.ts for the grammar). */
export function parseSetInput(raw: string | undefined): ConfigOverride[] | string {
  const entries = parseSetEntries(raw);
  if (typeof entries === 'string') return entries;
  const out: ConfigOverride[] = [];
  for (const entry of entries) {
    const resolved = resolveValue(entry);
    if (typeof resolved === 'string') return resolved;
    out.push(resolved);
  }
  return out;
}

/** A set entry's value text read as PyYAML reads a scalar (or a flow collection); a name keeps its value. */
function resolveValue(o: ConfigOverride): ConfigOverride | string {
  if (o.value !== undefined || o.scalar === undefined) return o;
  if (o.scalar === '') return { ...o, value: '' };
  const doc = parseDocument(o.scalar, { version: '1.1', customTags: pyyamlTags, prettyErrors: false });
  if (doc.errors.length > 0) {
    return `has '${clip(o.written)}', whose value is not a YAML value (${doc.errors[0]!.message.split('\n')[0]})`;
  }
  return { ...o, value: doc.toJS() };
}

function startsWith(full: FieldPath, prefix: FieldPath): boolean {
  return prefix.length <= full.length && prefix.every((s, i) => String(s) === String(full[i]));
}

/** The file as the overrides change it. Throws UsageError (naming the input) when a path cannot be set. */
export function withOverrides(source: SourceFile, given: readonly ConfigOverride[]): SourceFile {
  if (given.length === 0) return source;
  const overrides = given.map((o) => {
    const resolved = resolveValue(o);
    if (typeof resolved === 'string') throw new UsageError(resolved, o.input);
    return resolved;
  });
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
