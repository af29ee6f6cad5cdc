// Plain scalars resolved exactly as PyYAML's safe_load does (YAML 1.1 as `az ml` reads it), and Python's
// str() of the values it produces. The `yaml` package's own 1.1 schema differs in ways that matter here:
// it reads `y`/`n` as booleans (so a key `n:` becomes `false`) and `1e3` as a number; PyYAML reads both
// as strings.

import type { ScalarTag, SchemaOptions } from 'yaml';
import { BOOL, FLOAT, INT, NULL, pythonFloatRepr, TIMESTAMP, TRUE } from './resolver.ts';

type Tags = Extract<NonNullable<SchemaOptions['customTags']>, unknown[]>;

export { pythonFloatRepr } from './resolver.ts';

/** The integer PyYAML's construct_yaml_int builds (exact, as a BigInt), or undefined when it would fail. */
export function pyyamlInt(text: string): bigint | undefined {
  let s = text.replaceAll('_', '');
  let sign = 1n;
  if (s.startsWith('-')) sign = -1n;
  if (s.startsWith('-') || s.startsWith('+')) s = s.slice(1);
  try {
    if (s === '0') return 0n;
    if (s.startsWith('0b')) return s.length > 2 ? sign * BigInt(s) : undefined;
    if (s.startsWith('0x')) return s.length > 2 ? sign * BigInt(s) : undefined;
    if (s.startsWith('0')) return sign * BigInt(`0o${s.slice(1)}`);
    if (s.includes(':')) {
      let value = 0n;
      for (const part of s.split(':')) value = value * 60n + BigInt(part);
      return sign * value;
    }
    return s === '' ? undefined : sign * BigInt(s);
  } catch {
    return undefined;
  }
}

/** The float PyYAML's construct_yaml_float builds. */
export function pyyamlFloat(text: string): number {
  let s = text.replaceAll('_', '').toLowerCase();
  let sign = 1;
  if (s.startsWith('-')) sign = -1;
  if (s.startsWith('-') || s.startsWith('+')) s = s.slice(1);
  if (s === '.inf') return sign * Number.POSITIVE_INFINITY;
  if (s === '.nan') return Number.NaN;
  if (s.includes(':')) {
    let value = 0;
    for (const part of s.split(':')) value = value * 60 + Number(part);
    return sign * value;
  }
  return sign * Number(s);
}

function pyyamlTimestamp(text: string): Date | undefined {
  const m =
    /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt]|[ \t]+)(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d*))?(?:[ \t]*(Z|[-+]\d{1,2}(?::\d{2})?))?)?$/.exec(
      text,
    );
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', sec = '0', frac = '', tz] = m;
  const ms = Number(`0.${frac || '0'}`) * 1000;
  let offsetMinutes = 0;
  if (tz && tz !== 'Z') {
    const [hh = '0', mm = '0'] = tz.slice(1).split(':');
    offsetMinutes = (tz.startsWith('-') ? -1 : 1) * (Number(hh) * 60 + Number(mm));
  }
  const date = new Date(
    Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec), ms) -
      offsetMinutes * 60_000,
  );
  // PyYAML builds a datetime, which rejects 2024-02-30 and hour 25; Date.UTC would roll them over.
  const check = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec)));
  const valid =
    check.getUTCMonth() === Number(mo) - 1 &&
    check.getUTCDate() === Number(d) &&
    check.getUTCHours() === Number(h) &&
    check.getUTCMinutes() === Number(mi) &&
    check.getUTCSeconds() === Number(sec);
  return valid ? date : undefined;
}

const PYYAML_TAG_NAMES = new Set(
  ['bool', 'int', 'float', 'null', 'timestamp'].map((name) => `tag:yaml.org,2002:${name}`),
);

const pyyamlScalarTags: ScalarTag[] = [
  {
    tag: 'tag:yaml.org,2002:null',
    default: true,
    identify: (value) => value === null || value === undefined,
    test: NULL,
    resolve: () => null,
  },
  {
    tag: 'tag:yaml.org,2002:bool',
    default: true,
    identify: (value) => typeof value === 'boolean',
    test: BOOL,
    resolve: (text) => TRUE.test(text),
  },
  {
    tag: 'tag:yaml.org,2002:float',
    default: true,
    identify: (value) => typeof value === 'number',
    test: FLOAT,
    resolve: (text, onError) => {
      const value = pyyamlFloat(text);
      if (Number.isNaN(value) && !/nan$/i.test(text)) onError(`not a float: ${text}`);
      return value;
    },
  },
  {
    tag: 'tag:yaml.org,2002:int',
    default: true,
    identify: (value) => typeof value === 'number' && Number.isInteger(value),
    test: INT,
    resolve: (text, onError) => {
      const value = pyyamlInt(text);
      if (value === undefined) {
        onError(`not an integer: ${text}`);
        return text;
      }
      return Number(value);
    },
  },
  {
    tag: 'tag:yaml.org,2002:timestamp',
    default: true,
    identify: (value) => value instanceof Date,
    test: TIMESTAMP,
    resolve: (text, onError) => {
      const value = pyyamlTimestamp(text);
      if (value === undefined) {
        onError(`not a valid date: ${text}`);
        return text;
      }
      return value;
    },
  },
];

/** `customTags` for yaml's parseDocument: PyYAML's implicit scalars, the 1.1 collections, merge keys. */
export function pyyamlTags(tags: Tags): Tags {
  const replaced = (tag: Tags[number]) =>
    typeof tag === 'string'
      ? ['bool', 'int', 'float', 'null', 'timestamp'].includes(tag)
      : PYYAML_TAG_NAMES.has(tag.tag);
  return [...pyyamlScalarTags, ...tags.filter((tag) => !replaced(tag))];
}

function pythonStringRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch < ' ' || ch === '\x7f') out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${quote}${out}${quote}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** Python's str() of a date (midnight UTC) or datetime as PyYAML builds it (naive UTC). */
function pythonDateStr(d: Date): string {
  if (Number.isNaN(d.getTime())) return 'None';
  const date = `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
  if (d.getUTCHours() + d.getUTCMinutes() + d.getUTCSeconds() + d.getUTCMilliseconds() === 0) return date;
  const time = `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
  const ms = d.getUTCMilliseconds();
  return `${date} ${time}${ms ? `.${String(ms * 1000).padStart(6, '0')}` : ''}`;
}

/**
 * Python's repr() of a loaded value (for str() of lists and dicts). Numbers that are whole print as ints:
 * inside collections the int/float distinction of the source is not tracked.
 */
export function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pythonFloatRepr(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return pythonStringRepr(value);
  if (value instanceof Date) return `'${pythonDateStr(value)}'`;
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  if (value instanceof Set) return value.size ? `{${[...value].map(pythonRepr).join(', ')}}` : 'set()';
  if (value instanceof Map)
    return `{${[...value].map(([k, v]) => `${pythonRepr(k)}: ${pythonRepr(v)}`).join(', ')}}`;
  if (value instanceof Uint8Array) return `b'${Buffer.from(value).toString('latin1')}'`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([k, v]) => `${pythonStringRepr(k)}: ${pythonRepr(v)}`).join(', ')}}`;
  }
  return String(value);
}

/**
 * Python's str() of a value PyYAML loaded. `source` is the plain scalar as written, when known: it tells
 * a float (`1.0` → "1.0") from an int and keeps big integers exact.
 */
export function pythonStr(value: unknown, source?: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && source !== undefined) {
    if (FLOAT.test(source)) return pythonFloatRepr(value);
    const exact = INT.test(source) ? pyyamlInt(source) : undefined;
    if (exact !== undefined) return exact.toString();
  }
  if (value instanceof Date) return pythonDateStr(value);
  if (Array.isArray(value) || (typeof value === 'object' && value !== null)) return pythonRepr(value);
  return pythonRepr(value);
}
