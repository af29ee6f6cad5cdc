// The HTTP recorder: with AZUREML_DEPLOY_RECORD=<dir> in the environment, every exchange with ARM, Entra,
// storage and the scoring URI is appended to `<dir>/azureml-deploy-<time>-<pid>.jsonl`, one JSON line each
// (method, URL, status, headers, bodies, timings), so a first live run leaves the evidence to fix it and a
// transcript becomes a replay test (docs/live-testing.md).
//
// Nothing secret is written: credential headers, SAS signatures, client secrets and assertions, tokens, keys
// and whole listKeys / listSecrets / token answers become `***`, and every value redacted so is also scrubbed
// from everything recorded after it (the same SecretSet the logs use). Blob payloads are recorded as their
// length. Files are 0600 in a 0700 folder.
//
// Hooked in with the smallest seam: createDispatcher wraps its dispatcher (an undici interceptor) and sets the
// ambient recorder the smoke test's requests report to (src/probe/http.ts).

import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Dispatcher } from 'undici';
import { SecretSet } from '../io/redact.ts';

export const RECORD_ENV = 'AZUREML_DEPLOY_RECORD';
export const REDACTED = '***';

/** One line of a transcript. */
export interface RecordedExchange {
  /** Order within the file, from 1. */
  seq: number;
  /** `dispatcher`: ARM, Entra, storage (and smoke gates); `probe`: the smoke test's own requests. */
  source: 'dispatcher' | 'probe';
  startedAt: string;
  durationMs: number;
  method: string;
  url: string;
  requestHeaders: Record<string, string>;
  /** Parsed JSON, form fields, text, or `{ bytes }` for payloads. */
  requestBody?: unknown;
  status?: number;
  responseHeaders?: Record<string, string>;
  responseBody?: unknown;
  /** No response: why. */
  error?: string;
}

/** A body as seen on the wire: text (with its content type) or only a length. */
export type SeenBody = { text: string } | { bytes: number | 'unknown' } | undefined;

export interface RawExchange {
  source: RecordedExchange['source'];
  startedAt: number;
  durationMs: number;
  method: string;
  url: string;
  requestHeaders: Record<string, string>;
  requestBody: SeenBody;
  status?: number;
  responseHeaders?: Record<string, string>;
  responseBody?: SeenBody;
  error?: string;
}

/** Request headers whose values are kept; every other request header is a credential until known harmless. */
const HARMLESS_REQUEST_HEADERS = new Set([
  'accept',
  'accept-encoding',
  'azureml-model-deployment',
  'content-length',
  'content-md5',
  'content-type',
  'date',
  'host',
  'if-match',
  'if-none-match',
  'range',
  'user-agent',
  'x-ms-blob-content-type',
  'x-ms-blob-type',
  'x-ms-client-request-id',
  'x-ms-content-crc64',
  'x-ms-date',
  'x-ms-return-client-request-id',
  'x-ms-version',
]);
const SECRET_RESPONSE_HEADER = /cookie|authorization|token|secret|signature|-key$|^key$|sas/i;
/** Query parameters that are credentials (SAS `sig`, OAuth codes and tokens). */
const SECRET_QUERY = new Set([
  'sig',
  'signature',
  'code',
  'client_secret',
  'access_token',
  'token',
  'key',
  'skoid',
]);
/** JSON fields and form fields that carry credentials. */
const SECRET_FIELDS = new Set(
  [
    'primaryKey',
    'secondaryKey',
    'accessToken',
    'access_token',
    'refresh_token',
    'id_token',
    'client_secret',
    'client_assertion',
    'assertion',
    'clientSecret',
    'key',
    'keyValue',
    'sasToken',
    'connectionString',
    'password',
    'secret',
    'token',
    'value',
  ].map((n) => n.toLowerCase()),
);
/** Fields kept in answers that are secret as a whole (listKeys, listSecrets, token). */
const HARMLESS_SECRET_ANSWER_FIELDS = new Set(
  [
    'secretsType',
    'tokenType',
    'token_type',
    'expires_in',
    'ext_expires_in',
    'expiryTimeUtc',
    'refreshAfterTimeUtc',
    'code',
    'message',
  ].map((n) => n.toLowerCase()),
);
const SECRET_ANSWER_PATH =
  /\/(listKeys|listSecrets|token|regenerateKeys|getSecrets)$|\/oauth2\/(v2\.0\/)?token$/i;
const TEXT_TYPE = /json|xml|text|x-www-form-urlencoded/i;
/** Storage requests whose body is payload, whatever its type says. */
const BLOB_PAYLOAD = /[?&]comp=(block|appendblock|page)(&|$)/i;
/** Response text kept per exchange. */
const MAX_TEXT = 256 * 1024;

export class Recorder {
  readonly file: string;
  readonly #secrets = new SecretSet();
  #seq = 0;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    this.file = path.join(dir, `azureml-deploy-${stamp}-${process.pid}.jsonl`);
  }

  /** A value to scrub from everything recorded from now on (a secret input the caller knows). */
  addSecret(value: string | undefined): void {
    this.#secrets.add(value);
  }

  /** Redacts and appends one exchange. Never throws: recording must not break a run. */
  record(raw: RawExchange): void {
    try {
      const line = redactExchange(raw, ++this.#seq, this.#secrets);
      appendFileSync(this.file, `${JSON.stringify(line)}\n`, { mode: 0o600 });
    } catch {
      // A full disk or a bad folder loses the transcript, not the deployment.
    }
  }

  /** The dispatcher with every exchange recorded. */
  wrap(dispatcher: Dispatcher): Dispatcher {
    return dispatcher.compose(recordingInterceptor(this));
  }
}

const recorders = new Map<string, Recorder>();
let ambient: Recorder | undefined;

/** The recorder the environment asks for (one per folder and process), or undefined. */
export function recorderFor(env: Readonly<Record<string, string | undefined>>): Recorder | undefined {
  const dir = env[RECORD_ENV]?.trim();
  if (!dir) return undefined;
  const resolved = path.resolve(dir);
  let recorder = recorders.get(resolved);
  if (!recorder) {
    recorder = new Recorder(resolved);
    recorders.set(resolved, recorder);
  }
  return recorder;
}

/** The recorder of the current run (set when its dispatcher is created), for requests sent without it. */
export function ambientRecorder(): Recorder | undefined {
  return ambient;
}

export function setAmbientRecorder(recorder: Recorder | undefined): void {
  ambient = recorder;
}

/** What a request body looks like to the recorder, without consuming streams. */
export function seeBody(body: unknown, headers: Record<string, string>, url: string): SeenBody {
  if (body === undefined || body === null || body === '') return undefined;
  const type = headers['content-type'] ?? '';
  const length = Number(headers['content-length']);
  const textual = TEXT_TYPE.test(type) && !BLOB_PAYLOAD.test(url) && headers['x-ms-blob-type'] === undefined;
  if (typeof body === 'string') return textual ? { text: body } : { bytes: Buffer.byteLength(body) };
  if (body instanceof Uint8Array) {
    return textual ? { text: Buffer.from(body).toString('utf8') } : { bytes: body.byteLength };
  }
  return { bytes: Number.isFinite(length) ? length : 'unknown' };
}

function responseBodyOf(chunks: Buffer[], size: number, headers: Record<string, string>): SeenBody {
  if (size === 0) return undefined;
  if (!TEXT_TYPE.test(headers['content-type'] ?? '') && (headers['content-type'] ?? '') !== '')
    return { bytes: size };
  const text = Buffer.concat(chunks).toString('utf8');
  return { text: size > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…(${size} bytes)` : text };
}

export function flattenHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (name: unknown, value: unknown) => {
    if (value === undefined || value === null) return;
    const key = String(name).toLowerCase();
    const text = Array.isArray(value) ? value.map(String).join(', ') : String(value);
    out[key] = out[key] === undefined ? text : `${out[key]}, ${text}`;
  };
  if (Array.isArray(headers)) {
    if (headers.length > 0 && Array.isArray(headers[0])) for (const [k, v] of headers) put(k, v);
    else for (let i = 0; i + 1 < headers.length; i += 2) put(headers[i], headers[i + 1]);
  } else if (headers && typeof headers === 'object') {
    const iterable = headers as { [Symbol.iterator]?: unknown; entries?: unknown };
    const entries =
      typeof iterable[Symbol.iterator] === 'function' && !(headers.constructor === Object)
        ? [...(headers as Iterable<[unknown, unknown]>)]
        : Object.entries(headers);
    for (const [k, v] of entries) put(k, v);
  }
  return out;
}

function recordingInterceptor(recorder: Recorder): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (opts, handler) => {
    const startedAt = Date.now();
    const t0 = performance.now();
    const origin = typeof opts.origin === 'string' ? opts.origin : (opts.origin?.toString() ?? '');
    const url = new URL(opts.path, origin).href;
    const requestHeaders = flattenHeaders(opts.headers);
    const requestBody = seeBody(opts.body, requestHeaders, url);
    const chunks: Buffer[] = [];
    let size = 0;
    let status: number | undefined;
    let responseHeaders: Record<string, string> | undefined;
    let done = false;
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      recorder.record({
        source: 'dispatcher',
        startedAt,
        durationMs: Math.round((performance.now() - t0) * 10) / 10,
        method: opts.method,
        url,
        requestHeaders,
        requestBody,
        ...(status !== undefined ? { status } : {}),
        ...(responseHeaders ? { responseHeaders } : {}),
        ...(responseHeaders ? { responseBody: responseBodyOf(chunks, size, responseHeaders) } : {}),
        ...(error ? { error: error.message } : {}),
      });
    };
    // compose() hands interceptors handlers with the onRequestStart/onResponse* API.
    const inner = handler as Dispatcher.DispatchHandler;
    return dispatch(opts, {
      onRequestStart: (controller, context) => inner.onRequestStart?.(controller, context),
      onRequestUpgrade: (controller, statusCode, headers, socket) =>
        inner.onRequestUpgrade?.(controller, statusCode, headers, socket),
      onResponseStart: (controller, statusCode, headers, statusMessage) => {
        status = statusCode;
        responseHeaders = flattenHeaders(headers);
        return inner.onResponseStart?.(controller, statusCode, headers, statusMessage);
      },
      onResponseData: (controller, chunk) => {
        if (size < MAX_TEXT * 2) chunks.push(Buffer.from(chunk));
        size += chunk.length;
        return inner.onResponseData?.(controller, chunk);
      },
      onResponseEnd: (controller, trailers) => {
        finish();
        return inner.onResponseEnd?.(controller, trailers);
      },
      onResponseError: (controller, error) => {
        finish(error);
        return inner.onResponseError?.(controller, error);
      },
    });
  };
}

// ---- redaction -------------------------------------------------------------------------------------------

/** The exchange as it may be written: credentials replaced, learned secrets scrubbed everywhere. */
export function redactExchange(raw: RawExchange, seq: number, secrets: SecretSet): RecordedExchange {
  const learn = (value: string) => {
    secrets.add(value);
    // `Bearer x`, `SharedKey account:signature`: the credential part alone, too.
    const scheme = /^\s*[A-Za-z][\w-]*\s+(\S.*)$/.exec(value);
    if (scheme?.[1]) secrets.add(scheme[1]);
  };
  const url = redactUrl(raw.url, learn);
  const requestHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw.requestHeaders)) {
    if (HARMLESS_REQUEST_HEADERS.has(name) || name.startsWith('x-ms-meta-')) requestHeaders[name] = value;
    else {
      learn(value);
      requestHeaders[name] = REDACTED;
    }
  }
  const wholeAnswerSecret = SECRET_ANSWER_PATH.test(new URL(raw.url).pathname);
  const requestBody = redactBody(raw.requestBody, raw.requestHeaders['content-type'], learn, false);
  let responseHeaders: Record<string, string> | undefined;
  if (raw.responseHeaders) {
    responseHeaders = {};
    for (const [name, value] of Object.entries(raw.responseHeaders)) {
      if (SECRET_RESPONSE_HEADER.test(name)) {
        learn(value);
        responseHeaders[name] = REDACTED;
      } else responseHeaders[name] = /^https?:\/\//i.test(value) ? redactUrl(value, learn) : value;
    }
  }
  const responseBody = redactBody(
    raw.responseBody,
    raw.responseHeaders?.['content-type'],
    learn,
    wholeAnswerSecret && raw.status !== undefined && raw.status < 300,
  );
  const line: RecordedExchange = {
    seq,
    source: raw.source,
    startedAt: new Date(raw.startedAt).toISOString(),
    durationMs: raw.durationMs,
    method: raw.method,
    url,
    requestHeaders,
    ...(requestBody !== undefined ? { requestBody } : {}),
    ...(raw.status !== undefined ? { status: raw.status } : {}),
    ...(responseHeaders ? { responseHeaders } : {}),
    ...(responseBody !== undefined ? { responseBody } : {}),
    ...(raw.error !== undefined ? { error: raw.error } : {}),
  };
  // Everything learned so far (this exchange included) is scrubbed from every string of the line.
  return scrub(line, secrets);
}

function redactUrl(text: string, learn: (value: string) => void): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return text;
  }
  let changed = false;
  for (const [name, value] of [...url.searchParams]) {
    if (SECRET_QUERY.has(name.toLowerCase()) && value !== '') {
      learn(value);
      url.searchParams.set(name, REDACTED);
      changed = true;
    }
  }
  if (url.username || url.password) {
    if (url.password) learn(decodeURIComponent(url.password));
    url.username = '';
    url.password = '';
    changed = true;
  }
  return changed ? url.href : text;
}

function redactBody(
  body: SeenBody,
  contentType: string | undefined,
  learn: (value: string) => void,
  wholeAnswer: boolean,
): unknown {
  if (body === undefined) return undefined;
  if (!('text' in body)) return body;
  if (/x-www-form-urlencoded/i.test(contentType ?? '')) {
    const form: Record<string, string> = {};
    for (const [name, value] of new URLSearchParams(body.text)) {
      if (
        SECRET_FIELDS.has(name.toLowerCase()) ||
        (wholeAnswer && !HARMLESS_SECRET_ANSWER_FIELDS.has(name))
      ) {
        learn(value);
        form[name] = REDACTED;
      } else form[name] = value;
    }
    return { form };
  }
  let json: unknown;
  try {
    json = JSON.parse(body.text);
  } catch {
    return { text: body.text };
  }
  return { json: redactJson(json, learn, wholeAnswer, 0) };
}

function redactJson(
  value: unknown,
  learn: (v: string) => void,
  wholeAnswer: boolean,
  depth: number,
): unknown {
  if (depth > 20) return REDACTED;
  if (Array.isArray(value)) return value.map((v) => redactJson(v, learn, wholeAnswer, depth + 1));
  if (typeof value === 'string') return /^https?:\/\//i.test(value) ? redactUrl(value, learn) : value;
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(value)) {
    const lower = name.toLowerCase();
    const secretField = SECRET_FIELDS.has(lower) || lower.endsWith('connectionstring');
    if (
      typeof v === 'string' &&
      (secretField || (wholeAnswer && !HARMLESS_SECRET_ANSWER_FIELDS.has(lower)))
    ) {
      learn(v);
      out[name] = REDACTED;
    } else if (typeof v === 'number' && wholeAnswer && !HARMLESS_SECRET_ANSWER_FIELDS.has(lower)) {
      out[name] = v;
    } else out[name] = redactJson(v, learn, wholeAnswer, depth + 1);
  }
  return out;
}

function scrub<T>(value: T, secrets: SecretSet): T {
  if (typeof value === 'string') return secrets.redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => scrub(v, secrets)) as T;
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrub(v, secrets);
  return out as T;
}
