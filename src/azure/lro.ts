// Waiting for ARM long-running operations: Azure-AsyncOperation status polling, Location polling (202 until
// 200/204), the resource's own provisioningState, and the `properties.properties.AzureAsyncOperationUri`
// fallback Azure ML writes into endpoints and deployments. Bounded by a deadline; the poll interval comes from
// Retry-After or an adaptive schedule (fast first, then about every 5 s).

import { formatDuration } from '../format-duration.ts';
import type { ArmClient, ArmResponse } from './arm-client.ts';
import { type ArmErrorDetail, AzureError, OperationTimeoutError, readEnvelope } from './errors.ts';
import { describeArmResource } from './resource-path.ts';
import { RETRYABLE_STATUS, retryAfterMs } from './retry-policy.ts';

export type TerminalStatus = 'Succeeded' | 'Failed' | 'Canceled';
export type ProgressSource = 'operation' | 'location' | 'resource';

export interface OperationProgress {
  /** The state as Azure spelled it: `InProgress`, `Creating`, `Updating`, `Succeeded`, ... */
  state: string;
  source: ProgressSource;
  elapsedMs: number;
  percentComplete?: number;
}

export interface OperationResult<T = unknown> {
  status: TerminalStatus;
  /** The final resource (PUT/PATCH), the operation's result body (POST), undefined after DELETE. */
  resource: T | undefined;
  /** Why it Failed/was Canceled, from the operation status, the Location answer or the resource. */
  error?: ArmErrorDetail;
  /** GETs this wait made. */
  reads: number;
  elapsedMs: number;
}

export interface WaitOptions {
  client: ArmClient;
  /** Path (or URL) of the resource itself: the final GET, and provisioningState polling. */
  resourceUrl: string;
  /** Epoch ms; no poll is sent after it. */
  deadline: number;
  onProgress?: (progress: OperationProgress) => void;
  signal?: AbortSignal;
  /** Overrides the adaptive schedule: ms to wait before poll number `pollIndex` (0-based). */
  pollDelayMs?: (pollIndex: number) => number;
  /** Names the operation in the timeout message; default from the resource path. */
  description?: string;
}

/** The adaptive wait before poll `pollIndex` (0-based): quick operations are seen early, long ones cost ~11 reads/min. */
export function adaptivePollDelayMs(pollIndex: number): number {
  const ramp = [1000, 1000, 2000, 2000, 3000, 4000];
  return ramp[pollIndex] ?? 5200;
}

/** The ARM client's deadline for one poll may run a little past the wait's deadline, so the last poll completes. */
const POLL_REQUEST_GRACE_MS = 30_000;

type Mode =
  | { source: 'operation'; url: string }
  | { source: 'location'; url: string }
  | { source: 'resource' };

export async function waitForOperation<T = unknown>(
  initial: ArmResponse,
  options: WaitOptions,
): Promise<OperationResult<T>> {
  const { client } = options;
  const clock = client.clock;
  const started = clock.now();
  const method = initial.method.toUpperCase();
  const isDelete = method === 'DELETE';
  let reads = 0;
  let lastState: string | undefined;
  let lastSource: ProgressSource = 'resource';

  const report = (state: string, source: ProgressSource, percentComplete?: number) => {
    lastSource = source;
    if (state === lastState) return;
    lastState = state;
    options.onProgress?.({
      state,
      source,
      elapsedMs: clock.now() - started,
      ...(percentComplete !== undefined ? { percentComplete } : {}),
    });
  };
  const done = (status: TerminalStatus, resource: unknown, error?: ArmErrorDetail): OperationResult<T> => ({
    status,
    resource: resource as T | undefined,
    ...(error ? { error } : {}),
    reads,
    elapsedMs: clock.now() - started,
  });
  const get = async (url: string, allowStatus: number[]) => {
    reads++;
    return client.get(url, {
      allowStatus,
      deadline: options.deadline + POLL_REQUEST_GRACE_MS,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  };

  // What the first answer already says.
  const asyncHeader = initial.headers['azure-asyncoperation'];
  const location = initial.headers.location;
  const initialState = provisioningState(initial.body);
  if (initialState) report(initialState, 'resource');
  if (!asyncHeader && !location) {
    if (isDelete && (initial.status === 200 || initial.status === 204)) return done('Succeeded', undefined);
    if (method === 'POST' && initial.status === 200) return done('Succeeded', initial.body);
    const terminal = terminalOf(initialState);
    if (terminal)
      return done(terminal, initial.body, terminal === 'Succeeded' ? undefined : resourceError(initial.body));
  }

  let mode: Mode;
  if (asyncHeader) mode = { source: 'operation', url: asyncHeader };
  else if (location) mode = { source: 'location', url: location };
  else {
    const fromBody = isDelete ? undefined : asyncOperationUriOf(initial.body);
    mode = fromBody ? { source: 'operation', url: fromBody } : { source: 'resource' };
  }

  let waitHint = retryAfterMs(initial.headers, clock.now());
  for (let pollIndex = 0; ; pollIndex++) {
    // Wait, never past the deadline; the poll at the deadline is the last one.
    const remaining = options.deadline - clock.now();
    if (remaining <= 0) throw timeoutError(options, method, lastState, lastSource, clock.now() - started);
    const delay = waitHint ?? (options.pollDelayMs ?? adaptivePollDelayMs)(pollIndex);
    await clock.sleep(Math.min(delay, remaining), options.signal);

    if (mode.source === 'operation') {
      const res = await get(mode.url, []);
      const body = asObject(res.body);
      const state = typeof body?.status === 'string' ? body.status : 'Unknown';
      report(
        state,
        'operation',
        typeof body?.percentComplete === 'number' ? body.percentComplete : undefined,
      );
      waitHint = retryAfterMs(res.headers, clock.now());
      const terminal = terminalOf(state);
      if (!terminal) continue;
      if (terminal !== 'Succeeded') {
        const error = readEnvelope(body) ?? {
          code: state,
          message: `The operation ended ${state} without details`,
        };
        const final = isDelete ? undefined : await get(options.resourceUrl, [404]);
        return done(terminal, final?.status === 200 ? final.body : undefined, error);
      }
      if (method === 'POST') return done('Succeeded', res.body);
    } else if (mode.source === 'location') {
      let res: ArmResponse;
      try {
        res = await get(mode.url, isDelete ? [404] : []);
      } catch (error) {
        // Location answers an error status (with the ARM envelope) when the operation failed; a transient
        // status that outlived the client's retries says nothing about the operation.
        if (!(error instanceof AzureError) || error.status < 400 || RETRYABLE_STATUS.has(error.status))
          throw error;
        report('Failed', 'location');
        return done('Failed', undefined, {
          code: error.code,
          message: error.serviceMessage,
          details: error.details,
          ...(error.target ? { target: error.target } : {}),
        });
      }
      waitHint = retryAfterMs(res.headers, clock.now());
      if (res.status === 202) {
        report('InProgress', 'location');
        continue;
      }
      report('Succeeded', 'location');
      if (method === 'POST' || method === 'PATCH') return done('Succeeded', res.body);
    }

    // The resource itself: the final GET after the operation, or the only thing there is to poll.
    const res = await get(options.resourceUrl, [404]);
    waitHint = retryAfterMs(res.headers, clock.now());
    if (res.status === 404) {
      if (isDelete) {
        report('Deleted', 'resource');
        return done('Succeeded', undefined);
      }
      return done('Failed', undefined, {
        code: 'ResourceNotFound',
        message: `${describe(options)} disappeared while it was being created or updated`,
      });
    }
    const state = provisioningState(res.body);
    if (state) report(state, 'resource');
    // Not gone yet after a DELETE, or the resource has not caught up with its operation: follow the resource.
    mode = { source: 'resource' };
    if (isDelete) continue;
    const terminal = terminalOf(state);
    if (terminal)
      return done(terminal, res.body, terminal === 'Succeeded' ? undefined : resourceError(res.body));
    if (!state) return done('Succeeded', res.body);
  }
}

/** `properties.provisioningState` of an ARM resource body. */
export function provisioningState(body: unknown): string | undefined {
  const state = asObject(asObject(body)?.properties)?.provisioningState;
  return typeof state === 'string' ? state : undefined;
}

/** Azure ML's copy of the last operation's status URL inside the resource. */
export function asyncOperationUriOf(body: unknown): string | undefined {
  const uri = asObject(asObject(asObject(body)?.properties)?.properties)?.AzureAsyncOperationUri;
  return typeof uri === 'string' && uri !== '' ? uri : undefined;
}

/** Azure's terminal provisioning or operation states (any casing, both spellings of Canceled), else undefined. */
export function terminalOf(state: string | undefined): TerminalStatus | undefined {
  switch (state?.toLowerCase()) {
    case 'succeeded':
      return 'Succeeded';
    case 'failed':
      return 'Failed';
    case 'canceled':
    case 'cancelled':
      return 'Canceled';
    default:
      return undefined;
  }
}

function resourceError(body: unknown): ArmErrorDetail {
  const state = provisioningState(body) ?? 'Failed';
  return { code: state, message: `provisioningState is ${state}` };
}

function describe(options: WaitOptions): string {
  return options.description ?? describeArmResource(options.resourceUrl)?.description ?? options.resourceUrl;
}

function timeoutError(
  options: WaitOptions,
  method: string,
  state: string | undefined,
  source: ProgressSource,
  elapsedMs: number,
): OperationTimeoutError {
  const where =
    source === 'operation'
      ? 'operation status'
      : source === 'location'
        ? 'Location poll'
        : 'provisioningState';
  return new OperationTimeoutError(
    `Timed out after ${formatDuration(elapsedMs)} waiting for ${method} of ${describe(options)}: the ${where} was still ${state ?? 'unknown'} at the deadline.`,
    state,
  );
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
