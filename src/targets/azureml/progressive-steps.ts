// Progressive delivery (`traffic: progressive=10,50,100`): after the smoke gate, the new deployment takes its
// share of the live traffic step by step. Each step sets the shares, waits `step-wait-seconds`, then sends the
// same requests to the old and the new deployment at once (through the azureml-model-deployment header, with
// the smoke test's readiness and concurrency rules) and compares them:
//   - error rate: new − old ≤ max-error-rate-increase (0.01: one point; with 50 requests one extra error fails);
//   - latency: p95 new ≤ max-latency-ratio × p95 old, unless the difference is at most LATENCY_FLOOR_MS
//     (so a 2 ms → 4 ms change on a fast model is not a regression).
// The requests go out in pairs, one to each deployment at the same moment, so a slow spell of the network or
// of the runner (a shared, loaded machine) lands on both sides alike instead of on whichever happened to be
// in flight: the comparison sees the deployments, not the weather.
// The first failing step stops the rollout; the caller (Rollout in apply.ts) restores the traffic.
// Optionally a mirror phase comes first: a share of the live traffic is mirrored to the new deployment for
// `mirror-first-seconds`, then both are probed and compared the same way.

import type { AzureWorkspace } from '../../azure/workspace.ts';
import type { Clock } from '../../clock.ts';
import { ActionFailure } from '../../errors.ts';
import type { Log } from '../../log.ts';
import { cutText } from '../../probe/cut.ts';
import { type ProbeOutcome, sendRequest } from '../../probe/http.ts';
import { summarizeLatency } from '../../probe/latency.ts';
import { PlainHttpPool } from '../../probe/plain-http.ts';
import { waitUntilReady } from '../../probe/readiness.ts';
import type { ProbeRequest } from '../../probe/requests.ts';
import type { Table } from '../../report/report.ts';
import type { ProgressiveSettings, RolloutStep, StepProbeFigures } from '../target.ts';
import { type ScoringCredentials, scoringCredentials } from './scoring-credentials.ts';
import { formatMap, share, type TrafficMaps } from './traffic.ts';

/**
 * p95 differences up to this many milliseconds never count as a latency regression: a p95 over 50 requests
 * moves by about that much between two identical deployments on a busy runner or network (bench/progressive.mjs
 * saw 13 ms between two identical ~1 ms deployments on a loaded 2-core machine), and a 2 ms -> 4 ms change on a
 * fast model is not what the ratio is meant to catch.
 */
export const LATENCY_FLOOR_MS = 25;
/** Request pairs in flight at once during a step's probe (so 10 requests, 5 to each deployment). */
export const STEP_CONCURRENCY = 5;
/** The deployments already answered the smoke gate: a probe waits this long for one to answer again. */
const STEP_READY_TIMEOUT_SECONDS = 60;
const REQUEST_TIMEOUT_MS = 60_000;

/** Sends the step's requests to the old and the new deployment, in pairs, and returns the figures of each. */
export type StepProbe = (
  oldDeployment: string,
  newDeployment: string,
) => Promise<[StepProbeFigures, StepProbeFigures]>;

export interface ProgressiveRun {
  deploymentName: string;
  /** The deployment compared against: the one that served the most before the rollout. */
  oldDeployment: string;
  /** The maps of each step (the last one is the rollout's end). */
  steps: readonly TrafficMaps[];
  mirrorFirst?: TrafficMaps;
  settings: ProgressiveSettings;
  /** Writes a step's maps (recomputed over the endpoint's fresh maps); returns what was written. */
  write(maps: TrafficMaps): Promise<TrafficMaps>;
  probe: StepProbe;
  sleep(ms: number): Promise<void>;
  now(): number;
  progress(message: string): void;
  /** Filled as the rollout goes, so a failure or a cancel still has the steps run so far. */
  records: RolloutStep[];
}

/** Runs the mirror phase and the steps in order; returns the step that failed, or undefined. */
export async function runProgressiveSteps(run: ProgressiveRun): Promise<RolloutStep | undefined> {
  const phases: { step: number; phase: RolloutStep['phase']; maps: TrafficMaps; waitSeconds: number }[] = [];
  if (run.mirrorFirst && run.settings.mirrorFirstSeconds > 0) {
    phases.push({
      step: 0,
      phase: 'mirror',
      maps: run.mirrorFirst,
      waitSeconds: run.settings.mirrorFirstSeconds,
    });
  }
  for (const [i, maps] of run.steps.entries()) {
    phases.push({ step: i + 1, phase: 'traffic', maps, waitSeconds: run.settings.stepWaitSeconds });
  }
  const total = run.steps.length;
  for (const { step, phase, maps, waitSeconds } of phases) {
    const name = run.deploymentName;
    const stepShare = phase === 'mirror' ? share(maps.mirrorTraffic, name) : share(maps.traffic, name);
    run.progress(
      phase === 'mirror'
        ? `mirror phase: mirroring ${stepShare}% of the live traffic to ${name} for ${waitSeconds} s`
        : `step ${step}/${total}: ${stepShare}% of the traffic to ${name} (${formatMap(maps.traffic)})`,
    );
    const started = run.now();
    let mark = started;
    const written = await run.write(maps);
    const trafficMs = run.now() - mark;
    mark = run.now();
    if (waitSeconds > 0) await run.sleep(waitSeconds * 1000);
    const waitMs = run.now() - mark;
    mark = run.now();
    const [old, neu] = await run.probe(run.oldDeployment, name);
    const probeMs = run.now() - mark;
    const reasons = judgeStep(old, neu, run.settings);
    const record: RolloutStep = {
      step,
      phase,
      share: stepShare,
      traffic: written.traffic,
      mirrorTraffic: written.mirrorTraffic,
      old,
      new: neu,
      verdict: reasons.length ? 'failed' : 'passed',
      reasons,
      durationsMs: { traffic: trafficMs, wait: waitMs, probe: probeMs, total: run.now() - started },
    };
    run.records.push(record);
    run.progress(
      `${stepLabel(record, total)}: ${describeFigures(old)}; ${describeFigures(neu)}: ${record.verdict}`,
    );
    if (reasons.length) return record;
  }
  return undefined;
}

/** Why the new deployment does worse than the old one (empty: the step passes). */
export function judgeStep(
  old: StepProbeFigures,
  neu: StepProbeFigures,
  limits: Pick<ProgressiveSettings, 'maxErrorRateIncrease' | 'maxLatencyRatio'>,
): string[] {
  const reasons: string[] = [];
  if (neu.requests === 0) reasons.push(`${neu.deployment} answered no request`);
  const increase = neu.errorRate - old.errorRate;
  // A tolerance for floating point: 0.03 - 0.02 must not read as more than 0.01.
  if (increase > limits.maxErrorRateIncrease + 1e-9) {
    reasons.push(
      `error rate ${percent(neu.errorRate)} on ${neu.deployment} (${neu.errors}/${neu.requests}) vs ${percent(old.errorRate)} on ${old.deployment} (${old.errors}/${old.requests}): +${points(increase)} points, more than the allowed +${points(limits.maxErrorRateIncrease)}` +
        (neu.note ? ` (${neu.note})` : ''),
    );
  }
  if (neu.p95Ms !== null && old.p95Ms !== null) {
    const allowed = Math.max(limits.maxLatencyRatio * old.p95Ms, old.p95Ms + LATENCY_FLOOR_MS);
    if (neu.p95Ms > allowed) {
      reasons.push(
        `p95 latency ${ms(neu.p95Ms)} on ${neu.deployment} vs ${ms(old.p95Ms)} on ${old.deployment}: ${ratio(neu.p95Ms, old.p95Ms)}×, more than the allowed ${limits.maxLatencyRatio}× (and more than ${LATENCY_FLOOR_MS} ms slower)`,
      );
    }
  }
  return reasons;
}

/** The failure sentence: which step, and the figures that decided it. */
export function describeStepFailure(record: RolloutStep, total: number, deploymentName: string): string {
  return `The progressive rollout of ${deploymentName} stopped at ${stepLabel(record, total)}: ${record.reasons.join('; ')}.`;
}

/** The summary table: one row per step run (`total`: the steps planned). */
export function stepsTable(records: readonly RolloutStep[], total: number): Table {
  const first = records[0];
  const old = first?.old.deployment ?? 'old';
  const neu = first?.new.deployment ?? 'new';
  const pair = (f: (x: StepProbeFigures) => string, r: RolloutStep) => `${f(r.old)} / ${f(r.new)}`;
  return {
    caption: `Progressive rollout (${old} / ${neu})`,
    columns: ['Step', `Share of ${neu}`, 'Requests', 'Errors', 'p50', 'p95', 'Verdict'],
    rows: records.map((r) => [
      r.phase === 'mirror' ? 'mirror' : `${r.step}/${total}`,
      r.phase === 'mirror' ? `${r.share}% mirrored` : `${r.share}%`,
      pair((x) => String(x.requests), r),
      pair((x) => `${x.errors} (${percent(x.errorRate)})`, r),
      pair((x) => (x.p50Ms === null ? '–' : ms(x.p50Ms)), r),
      pair((x) => (x.p95Ms === null ? '–' : ms(x.p95Ms)), r),
      r.verdict === 'passed' ? 'passed' : `failed: ${r.reasons.join('; ')}`,
    ]),
  };
}

/** The deployment a progressive rollout compares against: the one serving the largest share before it. */
export function oldDeploymentOf(traffic: Record<string, number>, deploymentName: string): string | undefined {
  let best: [string, number] | undefined;
  for (const [name, value] of Object.entries(traffic)) {
    if (name.toLowerCase() === deploymentName.toLowerCase() || value <= 0) continue;
    if (!best || value > best[1]) best = [name, value];
  }
  return best?.[0];
}

export interface ScoringProbeDeps {
  clock: Clock;
  log: Log;
  /** Epoch ms for the credential look-ups. */
  deadline: number;
  signal?: AbortSignal;
}

/**
 * The probe of a step against Azure ML: the endpoint's scoring URI with its key or token (looked up once, again
 * when it is about to expire), each deployment through the azureml-model-deployment header. The smoke test's
 * rules: each deployment must be ready first (connection refused, 429 and 502-504 retried; another error is
 * the answer), then the measured requests, an error being any answer but HTTP 200 or no answer at all.
 */
export function scoringStepProbe(
  ws: AzureWorkspace,
  endpointName: string,
  requests: readonly ProbeRequest[],
  stepRequests: number,
  deps: ScoringProbeDeps,
): StepProbe {
  let creds: ScoringCredentials | undefined;
  const fresh = async () => {
    const soon = deps.clock.now() + 5 * 60_000;
    if (!creds || (creds.expiresOnMs !== undefined && creds.expiresOnMs < soon)) {
      creds = await scoringCredentials(ws, endpointName, {
        deadline: deps.deadline,
        ...(deps.signal ? { signal: deps.signal } : {}),
      });
    }
    return creds;
  };
  const log = quiet(deps.log);
  return async (oldName, newName) => {
    const c = await fresh();
    const url = c.scoringUri;
    if (!url) throw new ActionFailure(`endpoint ${endpointName} has no scoring URI to probe`);
    const pool = new PlainHttpPool();
    try {
      const send = (deployment: string, request: ProbeRequest) =>
        sendRequest({
          url,
          method: 'POST',
          headers: {
            ...c.headers(),
            'azureml-model-deployment': deployment,
            ...request.headers,
            'content-type': request.contentType,
          },
          body: request.body,
          timeoutMs: REQUEST_TIMEOUT_MS,
          ...(ws.dispatcher ? { dispatcher: ws.dispatcher } : { plainPool: pool }),
        });
      return await probePairs(oldName, newName, requests, stepRequests, send, { clock: deps.clock, log });
    } finally {
      pool.close();
    }
  };
}

type Send = (deployment: string, request: ProbeRequest) => Promise<ProbeOutcome>;

/**
 * Readiness of both, a round of unmeasured pairs, then `count` request pairs (request i to both deployments at
 * once), STEP_CONCURRENCY pairs at a time.
 */
export async function probePairs(
  oldName: string,
  newName: string,
  requests: readonly ProbeRequest[],
  count: number,
  send: Send,
  deps: { clock: Clock; log: Log },
): Promise<[StepProbeFigures, StepProbeFigures]> {
  const first = requests[0];
  if (!first) throw new ActionFailure('no request to probe the deployments with');
  const ready = await Promise.all(
    [oldName, newName].map((name) =>
      waitUntilReady(() => send(name, first), {
        readyTimeoutSeconds: STEP_READY_TIMEOUT_SECONDS,
        clock: deps.clock,
        log: deps.log,
      }),
    ),
  );
  const samples = [[] as ProbeOutcome[], [] as ProbeOutcome[]];
  const names = [oldName, newName];
  const concurrency = Math.min(STEP_CONCURRENCY, count);
  const sendPair = (request: ProbeRequest) =>
    Promise.all(names.map((name, side) => (ready[side]!.ready ? send(name, request) : undefined)));
  // One unmeasured round first: the connections the measured requests use are open (a TLS handshake in
  // 5 of 50 samples would be the p95).
  await Promise.all(Array.from({ length: concurrency }, (_, i) => sendPair(requests[i % requests.length]!)));
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const pair = await sendPair(requests[next++ % requests.length]!);
      pair.forEach((outcome, side) => {
        if (outcome) samples[side]!.push(outcome);
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const figures = names.map((name, side) => {
    const r = ready[side]!;
    return r.ready ? figuresOf(name, samples[side]!) : notReady(name, r.reason);
  });
  return [figures[0]!, figures[1]!];
}

/** Measured answers: an error is anything but HTTP 200 (or no answer); latency of those that got an answer. */
export function figuresOf(deployment: string, outcomes: readonly ProbeOutcome[]): StepProbeFigures {
  const errors = outcomes.filter((o) => o.status !== 200).length;
  const latency = summarizeLatency(outcomes.filter((o) => o.status !== undefined).map((o) => o.latencyMs));
  return {
    deployment,
    requests: outcomes.length,
    errors,
    errorRate: outcomes.length ? errors / outcomes.length : 0,
    p50Ms: latency.count ? round(latency.p50) : null,
    p95Ms: latency.count ? round(latency.p95) : null,
  };
}

/** A deployment that never got ready (or answered its first request with an error): one request, one error. */
function notReady(deployment: string, reason: string): StepProbeFigures {
  return {
    deployment,
    requests: 1,
    errors: 1,
    errorRate: 1,
    p50Ms: null,
    p95Ms: null,
    note: `not ready: ${cutText(reason, 300)}`,
  };
}

function stepLabel(record: RolloutStep, total: number): string {
  return record.phase === 'mirror'
    ? `the mirror phase (${record.share}% mirrored)`
    : `step ${record.step}/${total} (${record.share}%)`;
}

function describeFigures(f: StepProbeFigures): string {
  const latency = f.p95Ms === null ? 'no latency' : `p50 ${ms(f.p50Ms ?? 0)}, p95 ${ms(f.p95Ms)}`;
  return `${f.deployment} ${f.errors}/${f.requests} errors, ${latency}`;
}

/** The smoke test's progress lines are one per probe here: keep them for debug. */
function quiet(log: Log): Log {
  return {
    info: (message) => log.debug(message),
    warn: (message, where) => log.warn(message, where),
    error: (message, where) => log.error(message, where),
    debug: (message) => log.debug(message),
    group: (_title, fn) => fn(),
  };
}

function ratio(a: number, b: number): string {
  const r = a / Math.max(b, 0.001);
  return r < 10 ? r.toFixed(2) : r.toFixed(0);
}

function percent(rate: number): string {
  return `${(rate * 100).toFixed(1)}%`;
}

function points(rate: number): string {
  return (rate * 100).toFixed(1);
}

function ms(value: number): string {
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
