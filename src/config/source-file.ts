// Reads a YAML or JSON config file into a plain value plus a map from field paths to 1-based lines, so
// every later message can say `file:line: field: reason`. One parser serves both formats (JSON is YAML);
// scalars follow PyYAML (YAML 1.1), which is what `az ml` and the v1 CLI used.

import { closeSync, fstatSync, openSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  visit,
} from 'yaml';
import { ConfigError, type UsageError } from '../errors.ts';
import { clip } from '../io/clip.ts';
import { pythonStr, pyyamlTags } from '../pyyaml/scalars.ts';

export type FieldPath = ReadonlyArray<string | number>;

export interface Position {
  line: number;
  column: number;
}

export interface SourceFile {
  /** The file as the caller named it (relative stays relative); every message starts with it. */
  readonly file: string;
  /** The absolute folder of the file: relative paths inside it resolve against this. */
  readonly dir: string;
  /** The parsed content: plain objects, arrays, strings, numbers, booleans, null, Dates. */
  readonly value: unknown;
  /** Where a field is written (its key, or its item in a list); the nearest written ancestor if absent. */
  positionOf(path: FieldPath): Position;
  /** The path of an object or array inside `value` (schemas see objects, not their paths). */
  pathOf(node: object): FieldPath | undefined;
  /** The value at a path, or undefined. */
  valueAt(path: FieldPath): unknown;
  /** What Python's str() gives for the value at a path, as `az ml` sends string maps and versions. */
  pythonStrAt(path: FieldPath): string;
  /** A plain scalar exactly as written (e.g. `off`, `0777`), for messages. */
  scalarSourceAt(path: FieldPath): string | undefined;
  /** A path relative to this file, shown the way the user would find it (relative to the file's folder). */
  displayPath(relativeOrAbsolute: string): string;
  /** A ConfigError at a field of this file (a UsageError naming the input when an input set that field). */
  errorAt(fieldPath: FieldPath, message: string): ConfigError | UsageError;
  /** When an input override (config/overrides.ts) set the field or a mapping above it: that input. */
  overrideAt?(fieldPath: FieldPath): { input: string; written: string; path: FieldPath } | undefined;
}

/** `request_settings.request_timeout_ms`, `identity.user_assigned_identities[0].resource_id` */
export function formatFieldPath(fieldPath: FieldPath): string {
  let out = '';
  for (const segment of fieldPath) {
    if (typeof segment === 'number') out += `[${segment}]`;
    // A key is echoed in messages: a 100k-character one is cut.
    else out += out ? `.${clip(segment)}` : clip(segment);
  }
  return out;
}

function readErrorReason(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EISDIR') return 'is a folder, not a file';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot read the file (permission denied)';
  return `cannot read the file (${typeof code === 'string' ? code : err instanceof Error ? err.message : String(err)})`;
}

/** Reads and parses a config file. Throws ConfigError naming the file for every problem. */
export function readSourceFile(file: string): SourceFile {
  let text: string;
  try {
    const resolved = path.resolve(file);
    // stat before open: opening a FIFO would block, and /dev/zero never ends.
    checkConfigFileStat(file, statSync(resolved));
    const fd = openSync(resolved, 'r');
    try {
      // Again on what was opened: the path may have changed in between.
      checkConfigFileStat(file, fstatSync(fd));
      text = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError({ file, message: readErrorReason(err) });
  }
  return parseSourceText(text, file);
}

/** Config files are small text files; anything larger is not one (a model, a log, a device). */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

function checkConfigFileStat(file: string, s: import('node:fs').Stats): void {
  if (s.isDirectory()) throw new ConfigError({ file, message: 'is a folder, not a file' });
  if (!s.isFile()) {
    const kind = s.isCharacterDevice() || s.isBlockDevice() ? 'a device' : s.isFIFO() ? 'a pipe' : 'a socket';
    throw new ConfigError({ file, message: `is ${kind}, not a regular file` });
  }
  if (s.size > MAX_CONFIG_FILE_BYTES) {
    throw new ConfigError({
      file,
      message: `is ${s.size} bytes; a config file may be at most ${MAX_CONFIG_FILE_BYTES} bytes (1 MiB)`,
    });
  }
}

function firstLineOf(message: string): string {
  const line = message.split('\n')[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?$/, '').trim();
}

/** Parses config text that was read from `file` (used for messages and relative paths). */
export function parseSourceText(text: string, file: string): SourceFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    version: '1.1',
    customTags: pyyamlTags,
    lineCounter,
    uniqueKeys: true,
    // Positions come from the line counter; the code frames of pretty errors would only be thrown away.
    prettyErrors: false,
  });

  const problem = [...doc.errors, ...doc.warnings.filter((w) => w.code === 'TAG_RESOLVE_FAILED')].sort(
    (a, b) => a.pos[0] - b.pos[0],
  )[0];
  if (problem) {
    const { line, col } = lineCounter.linePos(problem.pos[0]);
    let reason = firstLineOf(problem.message);
    if (problem.code === 'DUPLICATE_KEY') {
      const key = /^\s*["']?([^"':]{1,60})/.exec(text.slice(problem.pos[0]))?.[1]?.trim();
      reason = key ? `duplicate key '${key}'` : 'duplicate key';
    } else if (problem.code === 'TAG_RESOLVE_FAILED') {
      reason = reason.replace(/^Unresolved tag/, 'unsupported tag');
    } else {
      reason = `syntax error: ${reason}`;
    }
    throw new ConfigError({ file, line, column: col, message: reason });
  }

  const contents = doc.contents;
  if (contents === null || (isScalar(contents) && contents.value === null)) {
    throw new ConfigError({ file, message: 'file is empty' });
  }

  // PyYAML refuses a mapping or list as a key ("unhashable key"); yaml would stringify it with a warning.
  visit(doc, {
    Pair(_, pair) {
      const key = isAlias(pair.key) ? pair.key.resolve(doc) : pair.key;
      if (isCollection(key)) {
        const { line, col } = lineCounter.linePos((pair.key as Node).range?.[0] ?? 0);
        throw new ConfigError({ file, line, column: col, message: 'a key cannot be a mapping or a list' });
      }
    },
  });

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ConfigError({
      file,
      line: 1,
      message: `cannot load: ${firstLineOf(String((err as Error).message))}`,
    });
  }

  const paths = new WeakMap<object, FieldPath>();
  const recordPaths = (v: unknown, at: FieldPath, depth: number) => {
    if (typeof v !== 'object' || v === null || paths.has(v) || depth > 200) return;
    paths.set(v, at);
    if (Array.isArray(v)) {
      for (const [i, item] of v.entries()) recordPaths(item, [...at, i], depth + 1);
    } else if (Object.getPrototypeOf(v) === Object.prototype) {
      for (const [k, item] of Object.entries(v)) recordPaths(item, [...at, k], depth + 1);
    }
  };
  recordPaths(value, [], 0);

  const deref = (node: unknown): unknown => (isAlias(node) ? node.resolve(doc) : node);

  /** The YAML nodes along a path: each step's written key (or item) and its value. */
  const walk = (fieldPath: FieldPath): { at: Node | undefined; value: unknown }[] => {
    const steps: { at: Node | undefined; value: unknown }[] = [];
    let node: unknown = deref(contents);
    for (const segment of fieldPath) {
      if (isMap(node)) {
        const pair = node.items.find(
          (p) => isPair(p) && isScalar(p.key) && String(p.key.value ?? '') === String(segment),
        );
        if (!pair) break;
        node = deref(pair.value);
        steps.push({ at: (pair.key as Node | null) ?? undefined, value: node });
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment];
        if (item === undefined) break;
        node = deref(item);
        steps.push({ at: item as Node, value: node });
      } else break;
    }
    return steps;
  };

  const nodeAt = (fieldPath: FieldPath): unknown => {
    const steps = walk(fieldPath);
    return steps.length === fieldPath.length
      ? fieldPath.length
        ? steps.at(-1)?.value
        : contents
      : undefined;
  };

  const valueAt = (fieldPath: FieldPath): unknown => {
    let v: unknown = value;
    for (const segment of fieldPath) {
      if (typeof v !== 'object' || v === null) return undefined;
      if (!Object.hasOwn(v, segment)) return undefined;
      v = (v as Record<string | number, unknown>)[segment];
    }
    return v;
  };

  const dir = path.dirname(path.resolve(file));

  const source: SourceFile = {
    file,
    dir,
    value,
    positionOf(fieldPath) {
      const steps = walk(fieldPath);
      for (let i = steps.length - 1; i >= 0; i--) {
        const range = steps[i]?.at?.range;
        if (range) {
          const { line, col } = lineCounter.linePos(range[0]);
          return { line, column: col };
        }
      }
      return { line: 1, column: 1 };
    },
    pathOf: (node) => paths.get(node),
    valueAt,
    pythonStrAt(fieldPath) {
      const node = nodeAt(fieldPath);
      const plain = isScalar(node) && node.type === 'PLAIN' && typeof node.source === 'string';
      return pythonStr(valueAt(fieldPath), plain ? (node.source as string) : undefined);
    },
    scalarSourceAt(fieldPath) {
      const node = nodeAt(fieldPath);
      return isScalar(node) && typeof node.source === 'string' ? node.source : undefined;
    },
    displayPath(p) {
      return path.isAbsolute(p) ? p : path.join(path.dirname(file), p);
    },
    errorAt(fieldPath, message) {
      const { line, column } = source.positionOf(fieldPath);
      const field = formatFieldPath(fieldPath);
      return new ConfigError({ file, line, column, message, ...(field ? { field } : {}) });
    },
  };
  return source;
}
