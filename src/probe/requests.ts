// Turns the `request-file`, `request-body` and `headers` inputs into the requests a smoke test sends.
// Each matched file is one request; its content type follows its extension.

import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, UsageError } from '../errors.ts';
import { globFiles, hasGlobChars } from './glob.ts';

export interface ProbeRequest {
  /** The file path as matched (relative to the base dir when inside it), or `request-body`. */
  name: string;
  body: Buffer;
  contentType: string;
  /** Extra headers from the `headers` input (names as written); never includes Content-Type. */
  headers: Record<string, string>;
}

export interface RequestInputs {
  /** A path or glob (`*`, `**`, `?`), relative to baseDir unless absolute. */
  requestFile?: string;
  /** Inline body: sent as application/json when it parses as JSON, else text/plain. */
  requestBody?: string;
  /** Multiline `Name: value`; blank lines and lines starting with `#` are ignored. */
  headers?: string;
  baseDir: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.csv': 'text/csv',
  '.txt': 'text/plain',
};

export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Reads the request inputs. Bad input throws UsageError (naming the input) or ConfigError (naming the file). */
export async function loadRequests(inputs: RequestInputs): Promise<ProbeRequest[]> {
  const requestFile = inputs.requestFile?.trim();
  const requestBody = inputs.requestBody;
  if (requestFile && requestBody !== undefined && requestBody !== '') {
    throw new UsageError('give request-file or request-body, not both', 'request-file');
  }
  const headers = parseHeaderLines(inputs.headers ?? '');
  // A Content-Type in `headers` wins over the one guessed from the extension.
  const ctName = Object.keys(headers).find((k) => k.toLowerCase() === 'content-type');
  const ctOverride = ctName ? headers[ctName] : undefined;
  if (ctName) delete headers[ctName];

  if (requestFile) {
    const files = await matchRequestFiles(requestFile, inputs.baseDir);
    const requests: ProbeRequest[] = [];
    for (const file of files) {
      const shown = displayName(file, inputs.baseDir);
      const body = await readFile(file);
      const contentType = ctOverride ?? contentTypeFor(file);
      if (contentTypeFor(file) === 'application/json') checkJson(body.toString('utf8'), shown);
      requests.push({ name: shown, body, contentType, headers: { ...headers } });
    }
    return requests;
  }
  if (requestBody !== undefined && requestBody !== '') {
    const contentType = ctOverride ?? (parsesAsJson(requestBody) ? 'application/json' : 'text/plain');
    return [{ name: 'request-body', body: Buffer.from(requestBody, 'utf8'), contentType, headers }];
  }
  throw new UsageError('give request-file (a JSON file or glob) or request-body', 'request-file');
}

async function matchRequestFiles(pattern: string, baseDir: string): Promise<string[]> {
  if (hasGlobChars(pattern)) {
    const files = await globFiles(pattern, baseDir);
    if (files.length === 0)
      throw new UsageError(`no file matches "${pattern}" (in ${baseDir})`, 'request-file');
    return files;
  }
  const file = path.resolve(baseDir, pattern);
  const info = await stat(file).catch(() => undefined);
  if (!info) throw new UsageError(`no file matches "${pattern}" (in ${baseDir})`, 'request-file');
  if (!info.isFile()) throw new UsageError(`"${pattern}" is not a file`, 'request-file');
  return [file];
}

function displayName(file: string, baseDir: string): string {
  const rel = path.relative(path.resolve(baseDir), file);
  const inside = rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  return (inside ? rel : file).split(path.sep).join('/');
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Throws a ConfigError naming the file (and line, when the parser says where) if text is not JSON. */
export function checkJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    const line = jsonErrorLine(text, reason);
    throw new ConfigError({ file, ...(line ? { line } : {}), message: `not valid JSON: ${reason}` });
  }
}

/** V8 says "... at position N (line L column C)" or just "at position N". */
export function jsonErrorLine(text: string, reason: string): number | undefined {
  const explicit = /\(line (\d+) column \d+\)/.exec(reason);
  if (explicit) return Number(explicit[1]);
  const pos = /at position (\d+)/.exec(reason);
  if (pos) return text.slice(0, Number(pos[1])).split('\n').length;
  if (/Unexpected end of JSON input/.test(reason)) return text.split('\n').length;
  return undefined;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Parses multiline `Name: value` headers. The value may contain `:`; later lines win over earlier ones. */
export function parseHeaderLines(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim() : '';
    if (!HEADER_NAME.test(name)) {
      // Never echo the line: it may hold a credential.
      throw new UsageError(`line ${index + 1}: expected "Name: value" with a valid header name`, 'headers');
    }
    const existing = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
    if (existing) delete headers[existing];
    headers[name] = line.slice(colon + 1).trim();
  });
  return headers;
}
