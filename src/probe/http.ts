// Sends one scoring request and measures it. Never throws for network trouble: every outcome is a value with
// an error class, so readiness, assertions and statistics can count and report it.

import type { Dispatcher } from 'undici';
import { ambientRecorder, seeBody } from '../azure/recorder.ts';
import { type PlainHttpPool, sendPlain } from './plain-http.ts';

// undici is loaded on first use: it is most of a bundle's start-up cost, and an action that fails validation
// or never sends a request should not pay for it.
let undiciRequest: typeof import('undici').request | undefined;
async function loadRequest(): Promise<typeof import('undici').request> {
  if (!undiciRequest) {
    // CommonJS behind import(): named exports under Node, maybe only `default` in a bundle.
    const mod = (await import('undici')) as typeof import('undici') & { default?: typeof import('undici') };
    undiciRequest = mod.request ?? mod.default?.request;
    if (!undiciRequest) throw new Error('undici did not load');
  }
  return undiciRequest;
}

export type ErrorClass =
  | 'connection-refused'
  | 'connection-reset'
  | 'timeout'
  | 'dns'
  | 'tls'
  | 'protocol'
  | 'http-4xx'
  | 'http-5xx'
  | 'other';

export interface ProbeOutcome {
  /** HTTP status; undefined when no response arrived. */
  status?: number;
  /** Response headers, lower-case names, repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: Buffer;
  /** Send to full body (or to the failure), milliseconds. */
  latencyMs: number;
  /** Set for transport failures and for HTTP 4xx/5xx. */
  errorClass?: ErrorClass;
  /** Transport failure message (no response). */
  error?: string;
}

export interface SendOptions {
  url: string;
  method?: string;
  headers: Record<string, string>;
  body?: Buffer;
  dispatcher?: Dispatcher;
  /** Keep-alive sockets for plain-http URIs (used when no dispatcher is given); https goes through undici. */
  plainPool?: PlainHttpPool;
  /** Whole request (connect, headers and body) limit. */
  timeoutMs?: number;
}

export async function sendRequest(opts: SendOptions): Promise<ProbeOutcome> {
  // A given dispatcher records for itself (createDispatcher); the rest is recorded here when a run records.
  const recorder = opts.dispatcher ? undefined : ambientRecorder();
  if (!recorder) return send(opts);
  const startedAt = Date.now();
  const outcome = await send(opts);
  const method = opts.method ?? 'POST';
  recorder.record({
    source: 'probe',
    startedAt,
    durationMs: Math.round(outcome.latencyMs * 10) / 10,
    method,
    url: opts.url,
    requestHeaders: lowerCaseKeys(opts.headers),
    requestBody: seeBody(opts.body, lowerCaseKeys(opts.headers), opts.url),
    ...(outcome.status !== undefined
      ? {
          status: outcome.status,
          responseHeaders: outcome.headers,
          responseBody: seeBody(outcome.body.length ? outcome.body : undefined, outcome.headers, opts.url),
        }
      : {}),
    ...(outcome.error !== undefined ? { error: outcome.error } : {}),
  });
  return outcome;
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

async function send(opts: SendOptions): Promise<ProbeOutcome> {
  const controller = new AbortController();
  const timedOut = new Error(`no complete response within ${opts.timeoutMs} ms`);
  const timer =
    opts.timeoutMs !== undefined ? setTimeout(() => controller.abort(timedOut), opts.timeoutMs) : undefined;
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e6;
  try {
    if (opts.plainPool && !opts.dispatcher && opts.url.startsWith('http:')) {
      const res = await sendPlain(
        opts.plainPool,
        new URL(opts.url),
        opts.method ?? 'POST',
        opts.headers,
        opts.body,
        controller.signal,
      );
      const latencyMs = elapsed();
      const errorClass = classifyStatus(res.status);
      return {
        status: res.status,
        headers: res.headers,
        body: res.body,
        latencyMs,
        ...(errorClass ? { errorClass } : {}),
      };
    }
    const request = await loadRequest();
    const res = await request(opts.url, {
      method: (opts.method ?? 'POST') as Dispatcher.HttpMethod,
      headers: opts.headers,
      ...(opts.body !== undefined ? { body: opts.body } : {}),
      signal: controller.signal,
      ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
    });
    const body = Buffer.from(await res.body.arrayBuffer());
    const latencyMs = elapsed();
    const status = res.statusCode;
    const errorClass = classifyStatus(status);
    return {
      status,
      headers: flattenHeaders(res.headers),
      body,
      latencyMs,
      ...(errorClass ? { errorClass } : {}),
    };
  } catch (err) {
    const latencyMs = elapsed();
    const isTimeout = err === timedOut || controller.signal.reason === timedOut;
    return {
      headers: {},
      body: Buffer.alloc(0),
      latencyMs,
      errorClass: isTimeout ? 'timeout' : classifyError(err),
      error: isTimeout ? timedOut.message : describeError(err),
    };
  } finally {
    clearTimeout(timer);
  }
}

export function classifyStatus(status: number): ErrorClass | undefined {
  if (status >= 500) return 'http-5xx';
  if (status >= 400) return 'http-4xx';
  return undefined;
}

/** Maps a transport error (Node or undici, possibly wrapped in `cause` or an AggregateError) to a class. */
export function classifyError(err: unknown): ErrorClass {
  const codes = errorCodes(err);
  const has = (...c: string[]) => c.some((x) => codes.includes(x));
  if (has('ECONNREFUSED')) return 'connection-refused';
  if (has('ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL')) return 'dns';
  if (has('ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'))
    return 'timeout';
  if (has('ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'))
    return 'connection-reset';
  if (codes.some((c) => c.startsWith('ERR_TLS') || c.startsWith('ERR_SSL') || /CERT|SELF_SIGNED/.test(c)))
    return 'tls';
  if (codes.some((c) => c.startsWith('HPE_') || c === 'UND_ERR_RESPONSE_STATUS_CODE' || c === 'UND_ERR_INFO'))
    return 'protocol';
  return 'other';
}

function errorCodes(err: unknown, depth = 0): string[] {
  if (!err || typeof err !== 'object' || depth > 4) return [];
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown };
  const codes = typeof e.code === 'string' ? [e.code] : [];
  codes.push(...errorCodes(e.cause, depth + 1));
  if (Array.isArray(e.errors)) for (const inner of e.errors) codes.push(...errorCodes(inner, depth + 1));
  return codes;
}

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause =
    err.cause instanceof Error && err.cause.message !== err.message ? ` (${err.cause.message})` : '';
  const code = (err as { code?: unknown }).code;
  return `${typeof code === 'string' && !err.message.includes(code) ? `${code}: ` : ''}${err.message}${cause}`;
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}
