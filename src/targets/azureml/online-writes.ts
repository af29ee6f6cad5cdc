// PUT an endpoint or deployment and wait for its terminal state (Azure ML answers 201 Creating or 200
// Updating; a 200 is not "done"), or wait for one that is already busy. A 409 "operation in progress" is
// waited out by the ARM client, within the deadline.

import {
  type OperationProgress,
  type OperationResult,
  terminalOf,
  waitForOperation,
} from '../../azure/lro.ts';
import type { AzureWorkspace } from '../../azure/workspace.ts';
import { type OnlineResource, provisioningStateOf } from './online-resources.ts';

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
