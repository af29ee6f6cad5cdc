// The JSONPath subset `expect` lines use: `$`, `.key`, `['key']` / `["key"]`, `[0]`, `[-1]` (from the end),
// `[*]` / `.*` (every element or value: the assertion then applies to each one).

export type PathSegment =
  | { kind: 'key'; key: string }
  | { kind: 'index'; index: number }
  | { kind: 'wildcard' };

/** One value the path reached, or the place where it stopped (found: false). */
export interface PathMatch {
  /** Concrete path: wildcards and negative indexes resolved, e.g. `$.predictions[2]`. */
  path: string;
  found: boolean;
  value?: unknown;
  /** Set when a wildcard had nothing to expand (an empty array or object), which fails any assertion. */
  empty?: boolean;
}

export class JsonPathSyntaxError extends Error {
  override name = 'JsonPathSyntaxError';
}

const IDENT = /^[A-Za-z_$][\w$-]*/;

export function parseJsonPath(text: string): PathSegment[] {
  if (!text.startsWith('$')) throw new JsonPathSyntaxError('a path starts with `$`');
  const segments: PathSegment[] = [];
  let i = 1;
  while (i < text.length) {
    const rest = text.slice(i);
    if (rest.startsWith('.*')) {
      segments.push({ kind: 'wildcard' });
      i += 2;
    } else if (rest.startsWith('.')) {
      const m = /^\.([^.[\]\s'"]+)/.exec(rest);
      if (!m) throw new JsonPathSyntaxError(`expected a key after \`.\` at character ${i + 1}`);
      segments.push({ kind: 'key', key: m[1]! });
      i += m[0].length;
    } else if (rest.startsWith('[*]')) {
      segments.push({ kind: 'wildcard' });
      i += 3;
    } else if (/^\[-?\d+\]/.test(rest)) {
      const m = /^\[(-?\d+)\]/.exec(rest)!;
      segments.push({ kind: 'index', index: Number(m[1]) });
      i += m[0].length;
    } else if (rest.startsWith("['") || rest.startsWith('["')) {
      const quote = rest[1]!;
      let key = '';
      let j = 2;
      for (; j < rest.length && rest[j] !== quote; j++) {
        if (rest[j] === '\\' && j + 1 < rest.length) j++;
        key += rest[j];
      }
      if (rest[j] !== quote || rest[j + 1] !== ']') {
        throw new JsonPathSyntaxError(`unterminated ${quote}…${quote}] at character ${i + 1}`);
      }
      segments.push({ kind: 'key', key });
      i += j + 2;
    } else {
      throw new JsonPathSyntaxError(`unexpected "${rest[0]}" at character ${i + 1}`);
    }
  }
  return segments;
}

export function formatKey(key: string): string {
  return IDENT.test(key) && IDENT.exec(key)![0] === key ? `.${key}` : `['${key.replace(/['\\]/g, '\\$&')}']`;
}

/** All values the path reaches in doc. Missing keys/indexes give one `found: false` match at that place. */
export function evaluateJsonPath(segments: readonly PathSegment[], doc: unknown): PathMatch[] {
  let current: PathMatch[] = [{ path: '$', found: true, value: doc }];
  for (const seg of segments) {
    const next: PathMatch[] = [];
    for (const m of current) {
      if (!m.found) {
        next.push(m);
        continue;
      }
      next.push(...step(m, seg));
    }
    current = next;
  }
  return current;
}

function step(m: PathMatch, seg: PathSegment): PathMatch[] {
  const v = m.value;
  if (seg.kind === 'key') {
    const path = `${m.path}${formatKey(seg.key)}`;
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, seg.key)) {
      return [{ path, found: true, value: (v as Record<string, unknown>)[seg.key] }];
    }
    return [{ path, found: false }];
  }
  if (seg.kind === 'index') {
    if (Array.isArray(v)) {
      const index = seg.index < 0 ? v.length + seg.index : seg.index;
      if (index >= 0 && index < v.length)
        return [{ path: `${m.path}[${index}]`, found: true, value: v[index] }];
    }
    return [{ path: `${m.path}[${seg.index}]`, found: false }];
  }
  if (Array.isArray(v)) {
    if (v.length === 0) return [{ path: `${m.path}[*]`, found: false, empty: true }];
    return v.map((value, index) => ({ path: `${m.path}[${index}]`, found: true, value }));
  }
  if (v && typeof v === 'object') {
    const entries = Object.entries(v);
    if (entries.length === 0) return [{ path: `${m.path}[*]`, found: false, empty: true }];
    return entries.map(([key, value]) => ({ path: `${m.path}${formatKey(key)}`, found: true, value }));
  }
  return [{ path: `${m.path}[*]`, found: false }];
}
