// When and how long to wait before sending an ARM request again: exponential backoff with full jitter,
// Retry-After when Azure gives one, and which failures are safe to repeat.

/** Statuses ARM documents as transient. */
export const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

export interface BackoffSettings {
  baseMs: number;
  capMs: number;
}

/** Throttling and server errors. */
export const TRANSIENT_BACKOFF: BackoffSettings = { baseMs: 1000, capMs: 30_000 };
/** "Another operation is in progress": the other operation takes minutes, so start slower. */
export const CONFLICT_BACKOFF: BackoffSettings = { baseMs: 5000, capMs: 30_000 };

/** Full jitter: a uniform random wait in [0, min(cap, base * 2^retry)). `retry` counts from 0. */
export function backoffDelay(retry: number, settings: BackoffSettings, random: () => number): number {
  const ceiling = Math.min(settings.capMs, settings.baseMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}

/**
 * The wait Azure asked for, in ms: `retry-after-ms` / `x-ms-retry-after-ms`, else `Retry-After` as seconds or an
 * HTTP date. Undefined when there is none (or it cannot be read).
 */
export function retryAfterMs(headers: Readonly<Record<string, string>>, nowMs: number): number | undefined {
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const value = headers[name];
    if (value !== undefined && /^\d+(\.\d+)?$/.test(value.trim())) return Math.ceil(Number(value));
  }
  const value = headers['retry-after']?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

const CONNECTION_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
]);

/** Errors that never reached the server: safe to repeat even for a non-idempotent request. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** undici codes that are our own doing (aborts, bad arguments), not the network's. */
const LOCAL_UNDICI_CODES = new Set([
  'UND_ERR_ABORTED',
  'UND_ERR_INVALID_ARG',
  'UND_ERR_NOT_SUPPORTED',
  'UND_ERR_INVALID_RETURN_VALUE',
  'UND_ERR_DESTROYED',
  'UND_ERR_CLOSED',
]);

/** A network-level failure (reset, refused, socket closed, undici timeouts), as opposed to a bug. */
export function isConnectionError(error: unknown): boolean {
  const code = errorCode(error);
  if (
    code &&
    (CONNECTION_CODES.has(code) || (code.startsWith('UND_ERR_') && !LOCAL_UNDICI_CODES.has(code)))
  ) {
    return true;
  }
  return /socket hang up|other side closed|socket closed/i.test((error as Error)?.message ?? '');
}

/** True when the request certainly did not reach the server (connect failed). */
export function failedBeforeSending(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && NOT_SENT_CODES.has(code);
}

export function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
