// A small file glob (`*`, `**`, `?`) for request files. node:fs glob only exists from Node 22 and the bundles
// must also run on Node 20, so we walk the tree ourselves. Rules: `*` and `?` never cross `/`; `**` as a
// whole segment matches zero or more folders; wildcards do not match names starting with `.` unless the
// pattern segment itself starts with `.`; symlinked folders are not followed by `**` (no loops).

import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

export function hasGlobChars(pattern: string): boolean {
  return /[*?]/.test(pattern);
}

/** Files (never folders) matching `pattern` relative to `baseDir`, as absolute paths, sorted. */
export async function globFiles(pattern: string, baseDir: string): Promise<string[]> {
  const absolute = path.resolve(baseDir, pattern);
  const root = path.parse(absolute).root;
  const segments = absolute
    .slice(root.length)
    .split(/[\\/]+/)
    .filter(Boolean);
  // Walk the literal prefix directly: it may contain folders we may not list (or that do not exist).
  let start = root;
  let i = 0;
  while (i < segments.length - 1 && !hasGlobChars(segments[i]!)) {
    start = path.join(start, segments[i]!);
    i++;
  }
  const found = new Set<string>();
  await walk(start, segments.slice(i), found);
  return [...found].sort();
}

async function walk(dir: string, rest: string[], found: Set<string>): Promise<void> {
  const [head, ...tail] = rest;
  if (head === undefined) return;
  if (head === '**') {
    await walk(dir, tail, found); // zero folders
    for (const entry of await listDir(dir)) {
      if (entry.isDirectory() && !entry.name.startsWith('.'))
        await walk(path.join(dir, entry.name), rest, found);
    }
    return;
  }
  if (!hasGlobChars(head)) {
    const candidate = path.join(dir, head);
    if (tail.length === 0) {
      if (await isFile(candidate)) found.add(candidate);
    } else {
      await walk(candidate, tail, found);
    }
    return;
  }
  const re = segmentRegExp(head);
  for (const entry of await listDir(dir)) {
    if (!re.test(entry.name)) continue;
    if (entry.name.startsWith('.') && !head.startsWith('.')) continue;
    const candidate = path.join(dir, entry.name);
    if (tail.length === 0) {
      if (await isFile(candidate)) found.add(candidate);
    } else if (entry.isDirectory() || (entry.isSymbolicLink() && (await isDir(candidate)))) {
      await walk(candidate, tail, found);
    }
  }
}

/** `*` -> any run of characters, `?` -> one character, everything else literal. */
export function segmentRegExp(segment: string): RegExp {
  let source = '';
  for (const ch of segment) {
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

async function listDir(dir: string) {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}
