// Which keys a config file may contain, so unknown ones become warnings with file, line and field (az ml
// rejects them; we go on without them), read-only ones are dropped silently, and known-but-unused ones
// get a note saying why they are ignored.

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
      const note = (level: ConfigNote['level'], reason: string) =>
        notes.push({
          level,
          message: `${field}: ${reason}`,
          file: source.file,
          line: source.positionOf(fieldPath).line,
          field,
        });
      if (!rule) note('warning', unknownReason);
      else if (rule.kind === 'ignored') note(rule.level, rule.reason);
      else if (rule.kind === 'mapping') visit(item, rule.keys, fieldPath);
      else if (rule.kind === 'list' && Array.isArray(item)) {
        for (const [i, entry] of item.entries()) visit(entry, rule.keys, [...fieldPath, i]);
      }
    }
  };
  visit(source.valueAt(at), keys, at);
}
