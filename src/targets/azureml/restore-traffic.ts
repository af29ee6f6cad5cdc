// Puts an endpoint's traffic and mirror maps back to what they were before a run: after a failed rollout,
// and from the SIGINT/SIGTERM handler and the post: step of a cancelled one. Waits out an update still in
// flight (our own shift), writes nothing when the maps already match, and PUTs the previous maps exactly
// as they were read, so the result is byte-identical.
//
// A restore undoes this run's own change only (its ownership, see traffic-writes.ts): when another run wrote
// the endpoint since (a second deploy-model on the same endpoint), its shares stay, and what goes back is
// what this run took from the deployments it moved. When this run's change cannot be told apart from the
// other's any more (the other writer moved the same shares away), nothing is written and the restore fails
// with "the endpoint changed under this run": overwriting it would lose the other run's update. Without a
// known ownership (a caller that does not know what the run wrote), every difference from `previous` counts
// as this run's, so `previous` is written exactly.

import type { AzureWorkspace } from '../../azure/workspace.ts';
import type { Clock } from '../../clock.ts';
import { trafficOf, writableBody } from './online-resources.ts';
import { formatMap, sameMap, type TrafficMaps } from './traffic.ts';
import { sameMaps, type TrafficOwnership, writeTraffic } from './traffic-writes.ts';

export interface RestoreOptions {
  /** Epoch ms; default 10 minutes from now (a restore must get its own time after a timeout). */
  deadline?: number;
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
  /** What the run's writes changed; default: every difference from `previous`. */
  ownership?: TrafficOwnership;
}

export interface RestoreResult {
  /** true when a PUT put the maps back; false when they already matched or the endpoint is gone. */
  restored: boolean;
  /** The maps the endpoint has now (empty when it does not exist). */
  traffic: TrafficMaps['traffic'];
  mirrorTraffic: TrafficMaps['mirrorTraffic'];
  /** What was written when it is not `previous`: another writer's change was kept. */
  keptOthers?: boolean;
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
  const written = await writeTraffic(
    ws,
    endpointName,
    { previous, wanted: previous },
    {
      deadline,
      ...(opts.signal ? { signal: opts.signal } : {}),
      onState: (p) =>
        opts.onProgress?.(
          `endpoint ${endpointName}: ${p.state} (${Math.round(p.elapsedMs / 1000)} s, restoring traffic)`,
        ),
      ...(opts.onProgress ? { onNote: opts.onProgress } : {}),
      ownership: opts.ownership,
      bodyFor: (current, maps) => {
        const now = trafficOf(current);
        opts.onProgress?.(
          `endpoint ${endpointName}: restoring traffic ${formatMap(now.traffic)} -> ${formatMap(maps.traffic)}` +
            (sameMap(now.mirrorTraffic, maps.mirrorTraffic)
              ? ''
              : `, mirror ${formatMap(now.mirrorTraffic)} -> ${formatMap(maps.mirrorTraffic)}`),
        );
        const body = writableBody(current, 'endpoint');
        body.properties.traffic = { ...maps.traffic };
        body.properties.mirrorTraffic = { ...maps.mirrorTraffic };
        return body;
      },
    },
  );
  if (!written.current) return { restored: false, traffic: {}, mirrorTraffic: {} };
  if (!written.result) return { restored: false, ...trafficOf(written.current) };
  if (written.result.status !== 'Succeeded') {
    throw new Error(
      `restoring the traffic of endpoint ${endpointName} ended ${written.result.status}: ${written.result.error?.message ?? 'no details'}`,
    );
  }
  const after = trafficOf(written.result.resource ?? written.current);
  return { restored: true, ...after, ...(sameMaps(written.maps, previous) ? {} : { keptOthers: true }) };
}
