// The grammar of the `set` input (`az ml … --set path=value`) and of name overrides, with no YAML parser: the
// input definitions load at every action's start-up, so the values (YAML 1.1 scalars) are read later, with
// the config loaders (overrides.ts).

import { clip } from '../io/clip.ts';

export interface ConfigOverride {
  /** Where in the file: `['environment_variables', 'MODE']`. */
  path: (string | number)[];
  /** The value; undefined until overrides.ts reads `scalar` as YAML (set entries). */
  value?: unknown;
  /** The input that asked for it (`set`, `endpoint-name`, `deployment-name`). */
  input: string;
  /** What the input said, for messages: `instance_count=2` (empty for a name: its messages quote it). */
  written: string;
  /** The value as written (a plain scalar), so string maps get Python's str() of it. */
  scalar?: string;
}

/** One `dotted.path=value`: the field's path and the value's text, or the problem with it. */
export function parseSetEntrySyntax(entry: string): ConfigOverride | string {
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
  return { path, input: 'set', written: `${pathText}=${valueText}`, scalar: valueText };
}

/**
 * The set input: one `dotted.path=value` per line, or a comma list on one line (a comma starts a new entry
 * only where `name=` follows, so `tags={a: 1, b: 2}` stays one value). Values are left as text.
 */
export function parseSetEntries(raw: string | undefined): ConfigOverride[] | string {
  if (raw === undefined || raw.trim() === '') return [];
  const entries = raw.includes('\n') ? raw.split(/\r?\n/) : raw.split(/,(?=\s*[A-Za-z_$][\w$.[\]/-]*\s*=)/);
  const out: ConfigOverride[] = [];
  for (const entry of entries) {
    const t = entry.trim();
    if (t === '' || t.startsWith('#')) continue;
    const parsed = parseSetEntrySyntax(t);
    if (typeof parsed === 'string') return parsed;
    out.push(parsed);
  }
  return out;
}

/** An input naming a resource fills or replaces that field of the file (its messages quote the name). */
export function nameOverride(path: string, name: string, input: string): ConfigOverride {
  return { path: [path], value: name, input, written: '', scalar: name };
}
