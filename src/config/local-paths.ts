// Local paths written in config files and inputs: what they point at, without ever throwing (a path from
// a file can hold anything, NUL bytes included), and how to tell a remote URI from a local path.

import { statSync } from 'node:fs';

/** 'file', 'folder', or undefined when nothing (readable) is there. */
export function pathKind(p: string): 'file' | 'folder' | undefined {
  try {
    return statSync(p).isDirectory() ? 'folder' : 'file';
  } catch {
    return undefined;
  }
}

/** `scheme://...`: a remote location rather than a local path. */
export function isUri(text: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]+:\/\//.test(text);
}
