// PUT an endpoint or deployment and wait for its terminal state (Azure ML answers 201 Creating or 200
// Updating; a 200 is not "done"), or wait for one that is already busy. A 409 "operation in progress" on a
// deployment is waited out by the ARM client, within the deadline. An endpoint PUT carries the traffic maps,
// so it is never resent as it was: putEndpointFromFresh waits, reads the endpoint again and rebuilds the body.

import { azureErrorFromResponse, isOperationInProgressConflict } from '../../azure/errors.ts';
import {
  type OperationProgress,
  type OperationResult,
  terminalOf,
  waitForOperation,
} from '../../azure/lro.ts';
import { retryAfterMs } from '../../azure/retry-policy.ts';
import type { AzureWorkspace } from '../../azure/workspace.ts';
import { type OnlineResource, provisioningStateOf } from './online-resources.ts';

/** The least wait before reading an endpoint again after a 409 (Azure's Retry-After wins when longer). */
const CONFLICT_REREAD_MS = 1000;

export interface WaitScope {
  deadline: number;
  signal?: AbortSignal;
  /** Every state change, with the time since this operation started. */
  onState?: (progress: OperationProgress) => void;
  description?: string;
}

export async function putAndWait(
  ws: AzureWorkspace,
  path: string,
  body: unknown,
  opts: WaitScope,
): Promise<OperationResult<OnlineResource>> {
  const initial = await ws.client.put(path, {
    body,
    deadline: opts.deadline,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  return waitForOperation<OnlineResource>(initial, waitOptions(ws, path, opts));
}

export interface FreshPutOptions extends WaitScope {
  /** The body to PUT over the endpoint as read now (undefined: it does not exist); undefined writes nothing. */
  build: (current: OnlineResource | undefined) => unknown;
  /** The endpoint answered 409 "operation in progress": it is waited for, read again, the body rebuilt. */
  onConflict?: (message: string) => void;
}

/**
 * PUT an endpoint with a body made from a fresh read, once no operation runs on it, and wait for the result.
 * A 409 "operation in progress" (another writer got in between the read and the PUT) is never resent as is:
 * the endpoint is waited for and read again and the body rebuilt, until the deadline.
 */
export async function putEndpointFromFresh(
  ws: AzureWorkspace,
  path: string,
  opts: FreshPutOptions,
): Promise<{ result?: OperationResult<OnlineResource>; current: OnlineResource | undefined }> {
  const clock = ws.client.clock;
  for (;;) {
    const settled = await waitUntilSettled(ws, path, opts);
    const current = settled?.resource;
    const body = opts.build(current);
    if (body === undefined) return { current };
    const initial = await ws.client.put(path, {
      body,
      deadline: opts.deadline,
      allowStatus: [409],
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    if (initial.status === 409) {
      if (!isOperationInProgressConflict(initial.status, initial.body)) {
        throw azureErrorFromResponse({ ...initial, path });
      }
      const wait = Math.max(retryAfterMs(initial.headers, clock.now()) ?? 0, CONFLICT_REREAD_MS);
      if (clock.now() + wait >= opts.deadline) {
        throw azureErrorFromResponse({
          ...initial,
          path,
          note: 'Gave up: the deadline would pass before the endpoint could be read again.',
        });
      }
      opts.onConflict?.(
        'another operation is running on the endpoint: waiting for it, then reading the endpoint again',
      );
      await clock.sleep(wait, opts.signal);
      continue;
    }
    return { result: await waitForOperation<OnlineResource>(initial, waitOptions(ws, path, opts)), current };
  }
}

/** Waits until the resource's provisioningState is terminal (returns at once when it already is). */
export async function waitUntilSettled(
  ws: AzureWorkspace,
  path: string,
  opts: WaitScope,
): Promise<OperationResult<OnlineResource> | undefined> {
  const res = await ws.client.get<OnlineResource>(path, {
    deadline: opts.deadline,
    allowStatus: [404],
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  if (res.status === 404) return undefined;
  const terminal = terminalOf(provisioningStateOf(res.body));
  if (terminal) {
    return {
      status: terminal,
      resource: res.body,
      reads: 1,
      elapsedMs: 0,
    };
  }
  return waitForOperation<OnlineResource>(res, waitOptions(ws, path, opts));
}

/** DELETE and wait until it is gone. */
export async function deleteAndWait(
  ws: AzureWorkspace,
  path: string,
  opts: WaitScope,
): Promise<OperationResult> {
  const initial = await ws.client.delete(path, {
    deadline: opts.deadline,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  return waitForOperation(initial, waitOptions(ws, path, opts));
}

function waitOptions(ws: AzureWorkspace, path: string, opts: WaitScope) {
  return {
    client: ws.client,
    resourceUrl: path,
    deadline: opts.deadline,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onState ? { onProgress: opts.onState } : {}),
    ...(opts.description ? { description: opts.description } : {}),
  };
}
