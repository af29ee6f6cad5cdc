// Puts an endpoint's traffic and mirror maps back to what they were before a run: after a failed rollout,
// and from the SIGINT/SIGTERM handler and the post: step of a cancelled one. Waits out an update still in
// flight (our own shift), writes nothing when the maps already match, and PUTs the previous maps exactly
// as they were read, so the result is byte-identical.

import type { AzureWorkspace } from '../../azure/workspace.ts';
import type { Clock } from '../../clock.ts';
import { endpointPath, getEndpoint, trafficOf, writableBody } from './online-resources.ts';
import { putAndWait, waitUntilSettled } from './online-writes.ts';
import { sameMap, type TrafficMaps } from './traffic.ts';

export interface RestoreOptions {
  /** Epoch ms; default 10 minutes from now (a restore must get its own time after a timeout). */
  deadline?: number;
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
}

export interface RestoreResult {
  /** true when a PUT put the maps back; false when they already matched or the endpoint is gone. */
  restored: boolean;
  /** The maps the endpoint has now (empty when it does not exist). */
  traffic: TrafficMaps['traffic'];
  mirrorTraffic: TrafficMaps['mirrorTraffic'];
}

export const RESTORE_GRACE_MS = 10 * 60_000;

export async function restoreTraffic(
  ws: AzureWorkspace,
  endpointName: string,
  previous: TrafficMaps,
  opts: RestoreOptions = {},
): Promise<RestoreResult> {
  const clock: Clock = ws.client.clock;
  const deadline = opts.deadline ?? clock.now() + RESTORE_GRACE_MS;
  const path = endpointPath(ws, endpointName);
  const scope = { deadline, ...(opts.signal ? { signal: opts.signal } : {}) };
  const settled = await waitUntilSettled(ws, path, {
    ...scope,
    onState: (p) => opts.onProgress?.(`endpoint ${endpointName}: ${p.state} (waiting to restore traffic)`),
  });
  const current = settled?.resource ?? (await getEndpoint(ws, endpointName, scope));
  if (!current) return { restored: false, traffic: {}, mirrorTraffic: {} };
  const now = trafficOf(current);
  if (sameMap(now.traffic, previous.traffic) && sameMap(now.mirrorTraffic, previous.mirrorTraffic)) {
    return { restored: false, ...now };
  }
  opts.onProgress?.(
    `endpoint ${endpointName}: restoring traffic ${fmt(now.traffic)} -> ${fmt(previous.traffic)}`,
  );
  const body = writableBody(current, 'endpoint');
  body.properties.traffic = { ...previous.traffic };
  body.properties.mirrorTraffic = { ...previous.mirrorTraffic };
  const result = await putAndWait(ws, path, body, {
    ...scope,
    onState: (p) =>
      opts.onProgress?.(`endpoint ${endpointName}: ${p.state} (${Math.round(p.elapsedMs / 1000)} s)`),
  });
  if (result.status !== 'Succeeded') {
    throw new Error(
      `restoring the traffic of endpoint ${endpointName} ended ${result.status}: ${result.error?.message ?? 'no details'}`,
    );
  }
  const after = trafficOf(result.resource ?? (await getEndpoint(ws, endpointName, scope)));
  return { restored: true, ...after };
}

function fmt(map: Record<string, number>): string {
  return JSON.stringify(map);
}
