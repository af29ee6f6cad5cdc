// Which keys a config file may contain, so unknown ones become warnings with file, line and field (az ml
// rejects them; we go on without them), read-only ones are dropped silently, and known-but-unused ones
// get a note saying why they are ignored.

import { UsageError } from '../errors.ts';
import { closestName } from '../io/suggest.ts';
import { isPlainObject } from './field-schemas.ts';
import type { FieldPath, SourceFile } from './source-file.ts';
import { formatFieldPath } from './source-file.ts';
import type { ConfigNote } from './spec.ts';

export type KeyRule =
  /** known; its content is not checked key by key (free maps such as tags, scalars) */
  | { kind: 'known' }
  /** a mapping whose keys are checked too */
  | { kind: 'mapping'; keys: KnownKeys }
  /** a list whose items are mappings with these keys */
  | { kind: 'list'; keys: KnownKeys }
  /** accepted and dropped without a word (read-only keys, `$schema`) */
  | { kind: 'silent' }
  /** accepted but not used: the note says why */
  | { kind: 'ignored'; level: ConfigNote['level']; reason: string };

export type KnownKeys = Readonly<Record<string, KeyRule>>;

export const known: KeyRule = { kind: 'known' };
export const silent: KeyRule = { kind: 'silent' };
export const mappingOf = (keys: KnownKeys): KeyRule => ({ kind: 'mapping', keys });
export const listOf = (keys: KnownKeys): KeyRule => ({ kind: 'list', keys });
export const ignored = (reason: string, level: ConfigNote['level'] = 'warning'): KeyRule => ({
  kind: 'ignored',
  level,
  reason,
});

/** The same keys, all `known`. */
export function knownKeys(...names: string[]): Record<string, KeyRule> {
  return Object.fromEntries(names.map((name) => [name, known]));
}

/**
 * Adds a note for each key of the mapping at `at` (default: the whole file) that the rules do not
 * know, or know as ignored. Never throws: a value of the wrong type is the schema's business.
 */
export function noteUnknownKeys(
  source: SourceFile,
  keys: KnownKeys,
  notes: ConfigNote[],
  at: FieldPath = [],
  unknownReason = 'unknown key, ignored',
): void {
  const visit = (value: unknown, rules: KnownKeys, here: FieldPath) => {
    if (!isPlainObject(value)) return;
    for (const [key, item] of Object.entries(value)) {
      const fieldPath = [...here, key];
      const rule = Object.hasOwn(rules, key) ? rules[key] : undefined;
      const field = formatFieldPath(fieldPath);
      const note = (level: ConfigNote['level'], reason: string, extra: Partial<ConfigNote> = {}) => {
        // A key put there by an input (set) is named by that input, not by a line of the file.
        const by = source.overrideAt?.(fieldPath);
        // `set: instance_cuont=2: unknown key`, the field named only when it is below the one set.
        const named = by?.written && by.path.length === fieldPath.length ? '' : `${field}: `;
        notes.push({
          level,
          message: `${by ? `${by.input}: ${by.written ? `${by.written}: ` : ''}` : ''}${named}${reason}`,
          ...(by ? {} : { file: source.file, line: source.positionOf(fieldPath).line }),
          field,
          ...extra,
        });
      };
      if (!rule) {
        const suggestion = closestName(
          key,
          Object.keys(rules).filter((k) => rules[k]?.kind !== 'silent'),
        );
        note('warning', suggestion ? `${unknownReason}; did you mean '${suggestion}'?` : unknownReason, {
          ignoredKey: 'unknown',
          ...(suggestion ? { suggestion } : {}),
        });
      } else if (rule.kind === 'ignored') {
        // `data_collector: is not supported …`, not `data_collector: data_collector is not supported …`.
        const reason = rule.reason.startsWith(`${key} `) ? rule.reason.slice(key.length + 1) : rule.reason;
        note(rule.level, reason, rule.level === 'warning' ? { ignoredKey: 'unsupported' } : {});
      } else if (rule.kind === 'mapping') visit(item, rule.keys, fieldPath);
      else if (rule.kind === 'list' && Array.isArray(item)) {
        for (const [i, entry] of item.entries()) visit(entry, rule.keys, [...fieldPath, i]);
      }
    }
  };
  visit(source.valueAt(at), keys, at);
}

/** The keys the files had that are not used (unknown, or known but not supported), in file order. */
export function ignoredKeys(notes: readonly ConfigNote[]): ConfigNote[] {
  return notes.filter((n) => n.ignoredKey !== undefined);
}

/**
 * With `strict: true`: every ignored key in one error naming the input (each was also warned on its line).
 * `shown` turns a file into what the user knows it as (relative to the workspace).
 */
export function strictKeysError(
  notes: readonly ConfigNote[],
  shown: (file: string) => string = (f) => f,
): UsageError | undefined {
  const keys = ignoredKeys(notes);
  if (keys.length === 0) return undefined;
  const where = (n: ConfigNote) => (n.file ? `${shown(n.file)}${n.line ? `:${n.line}` : ''}: ` : '');
  const list = keys.map((n) => `${where(n)}${n.message}`).join('; ');
  const count =
    keys.length === 1 ? 'a key of the config files is' : `${keys.length} keys of the config files are`;
  return new UsageError(
    `is true and ${count} ignored: ${list} (remove or correct ${keys.length === 1 ? 'it' : 'them'}, or set strict: false)`,
    'strict',
  );
}
