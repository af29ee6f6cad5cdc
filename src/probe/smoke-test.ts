// The smoke test: wait until the service answers, then send every request file (warmup first, then the
// measured requests at the asked concurrency), check every response, and report statistics and a redacted
// transcript. HTTP trouble never throws: it ends up in the result, which the action turns into outputs.

import type { Dispatcher } from 'undici';
import type { Clock } from '../clock.ts';
import { UsageError } from '../errors.ts';
import { createRedactor, type Redactor } from '../io/redact.ts';
import type { Log } from '../log.ts';
import {
  type Assertion,
  type AssertionFailure,
  buildAssertions,
  type CheckedResponse,
  type Expectation,
  type ExpectStatus,
  parseExpectStatus,
  parseResponseJson,
  type ResponseSchema,
  statusMatches,
} from './assertions.ts';
import { cutBuffer, cutText } from './cut.ts';
import { type ProbeOutcome, sendRequest } from './http.ts';
import { countByClass, type LatencyStats, summarizeLatency } from './latency.ts';
import { PlainHttpPool } from './plain-http.ts';
import { describeOutcome, waitUntilReady } from './readiness.ts';
import type { ProbeRequest } from './requests.ts';

export const RESPONSE_OUTPUT_BYTES = 64 * 1024;
const TRANSCRIPT_BODY_BYTES = 16 * 1024;
const DEBUG_BODY_BYTES = 2048;

export const SMOKE_TEST_DEFAULTS = {
  expectStatus: '200',
  requestsPerFile: 1,
  concurrency: 1,
  warmup: 0,
  readyTimeoutSeconds: 120,
  requestTimeoutMs: 60_000,
  transcriptLimit: 20,
} as const;

export interface SmokeTestOptions {
  scoringUri: string;
  /** Sent with every request: auth, `azureml-model-deployment`, ... (the caller adds those). A request's
   * own headers (the `headers` input) win over these on a name clash. */
  headers?: Record<string, string>;
  requests: readonly ProbeRequest[];
  /** Default `200`. */
  expectStatus?: ExpectStatus | string | number | readonly number[];
  /** The parsed `expect-json` subset; leave undefined when not given (pass hasExpectJson for a JSON `null`). */
  expectJson?: unknown;
  hasExpectJson?: boolean;
  expectations?: readonly Expectation[];
  schema?: ResponseSchema;
  /** Measured requests per request file (the `requests` input). Default 1. */
  requestsPerFile?: number;
  /** Measured requests in flight at once. Default 1. */
  concurrency?: number;
  /** Unmeasured, unchecked requests per file before the measured ones. Default 0. */
  warmup?: number;
  /** Budget on the p95 latency of all measured requests. */
  maxLatencyMs?: number;
  /** Default 120. */
  readyTimeoutSeconds?: number;
  /** Per request, connect to full body. Default 60 000. */
  requestTimeoutMs?: number;
  /** Header names to redact besides Authorization, api-key and the like. */
  secretHeaders?: readonly string[];
  /** Values to scrub from everything in the result (e.g. a key the caller knows). */
  secrets?: readonly string[];
  /** Readiness backoff tuning (tests, benchmarks); defaults 500 ms doubling to 10 s. */
  readyBackoff?: { initialDelayMs?: number; maxDelayMs?: number };
  /** Transcript entries kept: the first exchange of each file, then failing ones. Default 20. */
  transcriptLimit?: number;
}

export interface SmokeTestDeps {
  clock: Clock;
  log: Log;
  dispatcher?: Dispatcher;
  /** [0, 1) for backoff jitter. */
  random?: () => number;
}

export interface AssertionResult {
  text: string;
  passed: boolean;
  /** Responses this assertion was checked on (body assertions skip responses with an unexpected status). */
  checked: number;
  failedResponses: number;
  expected: string;
  /** What the first failing response had. */
  actual?: string;
  /** The first failure's message. */
  message?: string;
}

export interface FileResult {
  name: string;
  requests: number;
  /** Status of the file's first measured response (undefined when it got none). */
  statusCode?: number;
  latencyMs: LatencyStats;
  errorsByClass: Record<string, number>;
  assertions: AssertionResult[];
}

export interface ProbeFailure extends AssertionFailure {
  /** The request file it happened with; absent for readiness and the latency budget. */
  file?: string;
}

export interface TranscriptEntry {
  kind: 'readiness' | 'measured';
  request: { name: string; method: string; url: string; headers: Record<string, string>; body: string };
  response?: { status: number; headers: Record<string, string>; body: string };
  error?: string;
  latencyMs: number;
}

export interface SmokeTestResult {
  passed: boolean;
  /** One sentence: why it failed, or what passed. */
  message: string;
  /** Status of the first measured response (or of the last readiness attempt when never ready). */
  statusCode?: number;
  /** Body of that response, cut at 64 KiB with a marker. */
  response: string;
  /** Measured requests sent. */
  requests: number;
  /** One per failing assertion per file (the first failing example), plus readiness and budget failures. */
  failures: ProbeFailure[];
  latency: LatencyStats;
  /** Transport failures by class and responses with an unexpected status (http-4xx, http-5xx, http-unexpected). */
  errorsByClass: Record<string, number>;
  files: FileResult[];
  budget: { maxLatencyMs?: number; p95: number; passed: boolean };
  readiness: { ready: boolean; attempts: number; waitedMs: number; message?: string };
  transcript: TranscriptEntry[];
}

interface Settings {
  expectStatus: ExpectStatus;
  requestsPerFile: number;
  concurrency: number;
  warmup: number;
  readyTimeoutSeconds: number;
  requestTimeoutMs: number;
  transcriptLimit: number;
}

function settingsOf(o: SmokeTestOptions): Settings {
  const d = SMOKE_TEST_DEFAULTS;
  const expectStatus =
    o.expectStatus !== undefined && typeof o.expectStatus === 'object' && 'codes' in o.expectStatus
      ? o.expectStatus
      : parseExpectStatus(o.expectStatus ?? d.expectStatus);
  const s: Settings = {
    expectStatus,
    requestsPerFile: o.requestsPerFile ?? d.requestsPerFile,
    concurrency: o.concurrency ?? d.concurrency,
    warmup: o.warmup ?? d.warmup,
    readyTimeoutSeconds: o.readyTimeoutSeconds ?? d.readyTimeoutSeconds,
    requestTimeoutMs: o.requestTimeoutMs ?? d.requestTimeoutMs,
    transcriptLimit: o.transcriptLimit ?? d.transcriptLimit,
  };
  const whole = (name: string, v: number, min: number) => {
    if (!Number.isInteger(v) || v < min)
      throw new UsageError(`must be a whole number >= ${min}, got ${v}`, name);
  };
  whole('requests', s.requestsPerFile, 1);
  whole('concurrency', s.concurrency, 1);
  whole('warmup', s.warmup, 0);
  if (!(s.readyTimeoutSeconds >= 0)) throw new UsageError('must be >= 0', 'ready-timeout-seconds');
  if (!(s.requestTimeoutMs > 0)) throw new UsageError('must be > 0', 'request-timeout-ms');
  if (o.requests.length === 0) throw new UsageError('no request to send', 'request-file');
  return s;
}

export async function runSmokeTest(options: SmokeTestOptions, deps: SmokeTestDeps): Promise<SmokeTestResult> {
  const pool = new PlainHttpPool();
  try {
    return await smokeTestWith(options, deps, pool);
  } finally {
    pool.close();
  }
}

async function smokeTestWith(
  options: SmokeTestOptions,
  deps: SmokeTestDeps,
  pool: PlainHttpPool,
): Promise<SmokeTestResult> {
  const run = new ProbeRun(options, deps, pool);
  deps.log.info(
    `Smoke testing ${run.redact.text(options.scoringUri)}: ${options.requests.length} request file(s) × ${run.s.requestsPerFile} request(s), concurrency ${run.s.concurrency}`,
  );
  // 1. Readiness, on the first request.
  const ready = await waitUntilReady(() => run.send(0), {
    readyTimeoutSeconds: run.s.readyTimeoutSeconds,
    clock: deps.clock,
    log: deps.log,
    ...(options.readyBackoff?.initialDelayMs !== undefined
      ? { initialDelayMs: options.readyBackoff.initialDelayMs }
      : {}),
    ...(options.readyBackoff?.maxDelayMs !== undefined
      ? { maxDelayMs: options.readyBackoff.maxDelayMs }
      : {}),
    ...(deps.random ? { random: deps.random } : {}),
  });
  if (!ready.ready) return run.notReady(ready);
  deps.log.info(`Service ready after ${ready.attempts} attempt(s) (${describeOutcome(ready.outcome)})`);
  // 2. Each request file: warmup, then the measured requests, each response checked.
  for (let index = 0; index < options.requests.length; index++) await run.probeFile(index);
  // 3. Totals and the latency budget.
  return run.result({ ready: true, attempts: ready.attempts, waitedMs: ready.waitedMs });
}

/** One smoke test: how to send, what was sent and seen so far, and the result built from it. */
class ProbeRun {
  readonly s: Settings;
  readonly redact: ReturnType<typeof createRedactor>;
  readonly transcript: TranscriptEntry[] = [];
  readonly #files: FileResult[] = [];
  readonly #failures: ProbeFailure[] = [];
  readonly #latencies: number[] = [];
  readonly #classes: string[] = [];
  #first: ProbeOutcome | undefined;
  #sent = 0;
  readonly #options: SmokeTestOptions;
  readonly #deps: SmokeTestDeps;
  readonly #pool: PlainHttpPool;
  readonly #sentHeaders: Record<string, string>[];
  readonly #assertions: ReturnType<typeof buildAssertions>;

  constructor(options: SmokeTestOptions, deps: SmokeTestDeps, pool: PlainHttpPool) {
    this.#options = options;
    this.#deps = deps;
    this.#pool = pool;
    this.s = settingsOf(options);
    this.#sentHeaders = options.requests.map((r) => headersFor(options.headers ?? {}, r));
    this.redact = createRedactor({
      headers: Object.assign({}, ...this.#sentHeaders),
      ...(options.secretHeaders ? { secretHeaders: options.secretHeaders } : {}),
      ...(options.secrets ? { secrets: options.secrets } : {}),
    });
    this.#assertions = buildAssertions({
      expectStatus: this.s.expectStatus,
      expectJson: options.expectJson,
      ...(options.hasExpectJson !== undefined ? { hasExpectJson: options.hasExpectJson } : {}),
      expectations: options.expectations ?? [],
      ...(options.schema ? { schema: options.schema } : {}),
    });
  }

  send(index: number): Promise<ProbeOutcome> {
    return sendRequest({
      url: this.#options.scoringUri,
      method: 'POST',
      headers: this.#sentHeaders[index]!,
      body: this.#options.requests[index]!.body,
      timeoutMs: this.s.requestTimeoutMs,
      plainPool: this.#pool,
      ...(this.#deps.dispatcher ? { dispatcher: this.#deps.dispatcher } : {}),
    });
  }

  #record(kind: TranscriptEntry['kind'], index: number, outcome: ProbeOutcome): void {
    this.transcript.push(
      transcriptEntry(
        kind,
        this.#options.scoringUri,
        this.#options.requests[index]!,
        this.#sentHeaders[index]!,
        outcome,
        this.redact,
      ),
    );
  }

  /** The service never answered: a failed result with the last outcome and no measured request. */
  notReady(ready: Extract<Awaited<ReturnType<typeof waitUntilReady>>, { ready: false }>): SmokeTestResult {
    this.#record('readiness', 0, ready.outcome);
    const failure: ProbeFailure = {
      path: '',
      op: 'ready',
      expected: 'a service that answers',
      actual: describeOutcome(ready.outcome),
      message: ready.reason,
    };
    const maxLatencyMs = this.#options.maxLatencyMs;
    return this.redact.deep({
      passed: false,
      message: `smoke test failed: ${ready.reason}`,
      ...(ready.outcome.status !== undefined ? { statusCode: ready.outcome.status } : {}),
      response: cutBuffer(ready.outcome.body, RESPONSE_OUTPUT_BYTES),
      requests: 0,
      failures: [failure],
      latency: summarizeLatency([]),
      errorsByClass: {},
      files: [],
      budget: {
        ...(maxLatencyMs !== undefined ? { maxLatencyMs } : {}),
        p95: 0,
        passed: maxLatencyMs === undefined,
      },
      readiness: { ready: false, attempts: ready.attempts, waitedMs: ready.waitedMs, message: ready.reason },
      transcript: this.transcript,
    });
  }

  /** Warmup, then the file's measured requests, each response checked against every assertion. */
  async probeFile(index: number): Promise<void> {
    const s = this.s;
    const log = this.#deps.log;
    const request = this.#options.requests[index]!;
    const assertions = this.#assertions;
    const needsJson = assertions.some((a) => a.onBody);
    if (s.warmup > 0) {
      await runPool(s.warmup, s.concurrency, () => this.send(index));
      log.debug(`${request.name}: ${s.warmup} warmup request(s) sent`);
    }
    const tallies = assertions.map(() => ({
      checked: 0,
      failed: 0,
      first: undefined as AssertionFailure | undefined,
    }));
    const latencies: number[] = [];
    const classes: string[] = [];
    let failureKept = false;
    const outcomes = await runPool(s.requestsPerFile, s.concurrency, async (i) => {
      const outcome = await this.send(index);
      this.#sent++;
      if (outcome.status !== undefined) latencies.push(outcome.latencyMs);
      const cls = unexpectedClass(outcome, s.expectStatus);
      if (cls) classes.push(cls);
      const failed = checkAll(assertions, tallies, outcome, s.expectStatus, needsJson);
      // The file's first exchange always; failing ones while there is room (one per file at least).
      if (i === 0 || (failed && (!failureKept || this.transcript.length < s.transcriptLimit))) {
        this.#record('measured', index, outcome);
        if (failed) failureKept = true;
      }
      return outcome;
    });
    this.#first ??= outcomes[0];
    this.#latencies.push(...latencies);
    this.#classes.push(...classes);
    const results: AssertionResult[] = assertions.map((a, k) => {
      const t = tallies[k]!;
      const passed = t.checked > 0 && t.failed === 0;
      if (t.first) this.#failures.push({ ...t.first, file: request.name });
      return {
        text: a.text,
        passed,
        checked: t.checked,
        failedResponses: t.failed,
        expected: a.expected,
        ...(t.first ? { actual: t.first.actual, message: t.first.message } : {}),
        ...(t.checked === 0 && !t.first
          ? { actual: 'not checked: no response had the expected status' }
          : {}),
      };
    });
    const stats = summarizeLatency(latencies);
    const firstStatus = outcomes[0]?.status;
    this.#files.push({
      name: request.name,
      requests: outcomes.length,
      ...(firstStatus !== undefined ? { statusCode: firstStatus } : {}),
      latencyMs: stats,
      errorsByClass: countByClass(classes),
      assertions: results,
    });
    const failedCount = results.filter((r) => !r.passed).length;
    log.info(
      `${request.name}: ${outcomes.length} request(s), p50 ${stats.p50} ms, p95 ${stats.p95} ms, ` +
        `${results.length - failedCount}/${results.length} assertion(s) passed`,
    );
  }

  /** Totals, the latency budget, the verdict. */
  result(readiness: SmokeTestResult['readiness']): SmokeTestResult {
    const maxLatencyMs = this.#options.maxLatencyMs;
    const failures = this.#failures;
    const latency = summarizeLatency(this.#latencies);
    const budgetPassed = maxLatencyMs === undefined || (latency.count > 0 && latency.p95 <= maxLatencyMs);
    if (!budgetPassed) {
      const expected = `p95 <= ${maxLatencyMs} ms`;
      const actual = latency.count > 0 ? `${latency.p95} ms` : 'no measured response';
      failures.push({
        path: 'latency',
        op: 'max-latency-ms',
        expected,
        actual,
        message: `latency: expected ${expected}, got ${actual}`,
      });
    }
    const allAssertions = this.#files.flatMap((f) => f.assertions);
    const passed = failures.length === 0 && allAssertions.every((a) => a.passed);
    const message = passed
      ? `smoke test passed: ${allAssertions.length} assertion(s) on ${this.#sent} request(s), p95 ${latency.p95} ms`
      : `smoke test failed: ${failures.length} failure(s); first: ${failures[0]?.message ?? 'an assertion was not checked'}`;
    const first = this.#first;
    if (first) {
      this.#deps.log.debug(
        `First response (${describeOutcome(first)}): ${this.redact.text(cutBuffer(first.body, DEBUG_BODY_BYTES))}`,
      );
    }
    return this.redact.deep({
      passed,
      message,
      ...(first?.status !== undefined ? { statusCode: first.status } : {}),
      response: first ? cutBuffer(first.body, RESPONSE_OUTPUT_BYTES) : '',
      requests: this.#sent,
      failures,
      latency,
      errorsByClass: countByClass(this.#classes),
      files: this.#files,
      budget: {
        ...(maxLatencyMs !== undefined ? { maxLatencyMs } : {}),
        p95: latency.p95,
        passed: budgetPassed,
      },
      readiness,
      transcript: this.transcript,
    });
  }
}

function checkAll(
  assertions: readonly Assertion[],
  tallies: { checked: number; failed: number; first: AssertionFailure | undefined }[],
  outcome: ProbeOutcome,
  expectStatus: ExpectStatus,
  needsJson: boolean,
): boolean {
  const statusOk = outcome.status !== undefined && statusMatches(expectStatus, outcome.status);
  const checked: CheckedResponse =
    needsJson && statusOk ? parseResponseJson(outcome) : { outcome, json: { ok: true, value: undefined } };
  let anyFailed = false;
  assertions.forEach((a, k) => {
    if (a.onBody && !statusOk) return; // the status assertion already explains this response
    const t = tallies[k]!;
    t.checked++;
    const verdict = a.check(checked);
    if (!verdict) return;
    anyFailed = true;
    t.failed++;
    t.first ??=
      verdict.count > 1
        ? { ...verdict.first, message: `${verdict.first.message} (and ${verdict.count - 1} more)` }
        : verdict.first;
  });
  return anyFailed;
}

function unexpectedClass(outcome: ProbeOutcome, expectStatus: ExpectStatus): string | undefined {
  if (outcome.status === undefined) return outcome.errorClass ?? 'other';
  if (statusMatches(expectStatus, outcome.status)) return undefined;
  return outcome.errorClass ?? 'http-unexpected';
}

/** Caller headers, then the request's own (case-insensitive override), then its Content-Type. */
function headersFor(base: Record<string, string>, request: ProbeRequest): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (name: string, value: string) => {
    for (const k of Object.keys(out)) if (k.toLowerCase() === name.toLowerCase()) delete out[k];
    out[name] = value;
  };
  for (const [k, v] of Object.entries(base)) put(k, v);
  for (const [k, v] of Object.entries(request.headers)) put(k, v);
  put('content-type', request.contentType);
  return out;
}

function transcriptEntry(
  kind: TranscriptEntry['kind'],
  url: string,
  request: ProbeRequest,
  headers: Record<string, string>,
  outcome: ProbeOutcome,
  redact: Redactor,
): TranscriptEntry {
  return {
    kind,
    request: {
      name: request.name,
      method: 'POST',
      url: redact.text(url),
      headers: redact.headers(headers),
      body: redact.text(cutBuffer(request.body, TRANSCRIPT_BODY_BYTES)),
    },
    ...(outcome.status !== undefined
      ? {
          response: {
            status: outcome.status,
            headers: redact.headers(outcome.headers),
            body: redact.text(cutText(outcome.body.toString('utf8'), TRANSCRIPT_BODY_BYTES)),
          },
        }
      : {}),
    ...(outcome.error ? { error: redact.text(outcome.error) } : {}),
    latencyMs: Math.round(outcome.latencyMs * 1000) / 1000,
  };
}

/** Runs task(0..count-1) with at most `concurrency` in flight; results in index order. */
async function runPool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}
