// A freshly deployed service may not answer yet: retry the first request until it does, or until the ready
// timeout. Only "not up yet" answers are retried; an answer from the model itself (424, 500, other 4xx)
// cannot get better by waiting, so it fails at once with the body shown.

import type { Clock } from '../clock.ts';
import type { Log } from '../log.ts';
import { cutBuffer, oneLine } from './cut.ts';
import type { ProbeOutcome } from './http.ts';

const RETRY_STATUSES = new Set([429, 502, 503, 504]);
const RETRY_CLASSES = new Set(['connection-refused', 'connection-reset']);
const BODY_SHOWN_BYTES = 2048;
const MIN_DELAY_MS = 100;

export interface ReadinessOptions {
  readyTimeoutSeconds: number;
  clock: Clock;
  log: Log;
  /** First backoff delay (default 500 ms); doubles per attempt up to maxDelayMs (default 10 s). */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** [0, 1); injected so backoff schedules are testable. */
  random?: () => number;
}

export type ReadinessResult =
  | { ready: true; outcome: ProbeOutcome; attempts: number; waitedMs: number }
  | { ready: false; outcome: ProbeOutcome; attempts: number; waitedMs: number; reason: string };

export function isRetryable(outcome: ProbeOutcome): boolean {
  if (outcome.status !== undefined) return RETRY_STATUSES.has(outcome.status);
  return outcome.errorClass !== undefined && RETRY_CLASSES.has(outcome.errorClass);
}

/** Calls `send` until it gets an answer that is not "not up yet". Never throws for HTTP trouble. */
export async function waitUntilReady(
  send: () => Promise<ProbeOutcome>,
  opts: ReadinessOptions,
): Promise<ReadinessResult> {
  const { clock, log } = opts;
  const initial = opts.initialDelayMs ?? 500;
  const maxDelay = opts.maxDelayMs ?? 10_000;
  const random = opts.random ?? Math.random;
  const started = clock.now();
  const deadline = started + opts.readyTimeoutSeconds * 1000;
  for (let attempt = 1; ; attempt++) {
    const outcome = await send();
    const waitedMs = clock.now() - started;
    if (!isRetryable(outcome)) {
      const reason = failFastReason(outcome);
      if (reason) return { ready: false, outcome, attempts: attempt, waitedMs, reason };
      return { ready: true, outcome, attempts: attempt, waitedMs };
    }
    const remaining = deadline - clock.now();
    if (remaining <= 0) {
      const reason = `not ready after ${opts.readyTimeoutSeconds} s (${attempt} attempts); last: ${describeOutcome(outcome)}`;
      return { ready: false, outcome, attempts: attempt, waitedMs, reason };
    }
    const backoff = Math.min(maxDelay, initial * 2 ** (attempt - 1));
    // Equal jitter: half fixed, half random, so parallel jobs do not retry in lockstep.
    let delay = backoff / 2 + random() * (backoff / 2);
    const retryAfter = retryAfterMs(outcome, clock.now());
    if (retryAfter !== undefined) delay = retryAfter;
    // A floor, so `Retry-After: 0` cannot turn into a tight loop.
    delay = Math.min(Math.max(delay, MIN_DELAY_MS), remaining);
    log.info(`Not ready yet (${describeOutcome(outcome)}); retrying in ${(delay / 1000).toFixed(1)} s`);
    await clock.sleep(delay);
  }
}

/** Retry-After (seconds or an HTTP date) on 429/503, in milliseconds. */
export function retryAfterMs(outcome: ProbeOutcome, now: number): number | undefined {
  if (outcome.status !== 429 && outcome.status !== 503) return undefined;
  const value = outcome.headers['retry-after']?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function failFastReason(outcome: ProbeOutcome): string | undefined {
  const { status } = outcome;
  if (status === undefined) return `request failed: ${describeOutcome(outcome)}`;
  if (status < 400) return undefined;
  const body = oneLine(cutBuffer(outcome.body, BODY_SHOWN_BYTES), BODY_SHOWN_BYTES + 100); // room for the cut marker
  if (status === 424) {
    const modelStatus = outcome.headers['ms-azureml-model-error-statuscode'];
    const modelReason = outcome.headers['ms-azureml-model-error-reason'];
    const detail = [modelStatus && `model status ${modelStatus}`, modelReason && `reason: ${modelReason}`]
      .filter(Boolean)
      .join(', ');
    return `the model returned an error (HTTP 424${detail ? `; ${detail}` : ''}): ${body || '(empty body)'}`;
  }
  if (status >= 500)
    return `the service failed (HTTP ${status}, the scoring script raised?): ${body || '(empty body)'}`;
  return `HTTP ${status}${authHint(status)}: ${body || '(empty body)'}`;
}

function authHint(status: number): string {
  if (status === 401) return ' (bad or expired credential)';
  if (status === 403) return ' (not allowed)';
  if (status === 404) return ' (wrong scoring URI or deployment name)';
  if (status === 408) return ' (the model exceeded its request timeout)';
  return '';
}

export function describeOutcome(outcome: ProbeOutcome): string {
  if (outcome.status !== undefined) return `HTTP ${outcome.status}`;
  return `${outcome.errorClass ?? 'error'}${outcome.error ? ` (${outcome.error})` : ''}`;
}
