// What the endpoint's traffic maps become before a forced deployment delete: the deployment's live share
// moves to the deployments still serving, in proportion to their shares (largest remainder, so the total
// stays exactly 100), and its mirror entry goes. Pure; refuses with a UsageError before anything is written.

import type { TrafficMap } from '../../azure/bodies/types.ts';
import { UsageError } from '../../errors.ts';
import { formatMap, share, type TrafficMaps } from './traffic.ts';

const INPUT = 'deployment-name';

/** The deployment's live and mirror shares (0 when absent). */
export function trafficCarried(maps: TrafficMaps, deployment: string): { live: number; mirror: number } {
  return { live: share(maps.traffic, deployment), mirror: share(maps.mirrorTraffic, deployment) };
}

/** Refusal unless `force`: a deployment that carries live or mirror traffic is not deleted as is. */
export function refuseWhileServing(endpoint: string, deployment: string, maps: TrafficMaps): void {
  const { live, mirror } = trafficCarried(maps, deployment);
  if (live === 0 && mirror === 0) return;
  const carries = [
    live > 0 ? `${live}% of the live traffic` : '',
    mirror > 0 ? `${mirror}% mirror traffic` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  throw new UsageError(
    `deployment '${deployment}' receives ${carries} of endpoint '${endpoint}' (traffic ${formatMap(maps.traffic)}); set force: true to move its traffic to the other deployments first, or shift the traffic with deploy-model`,
    INPUT,
  );
}

/** The maps without `deployment`: its live share spread over the serving deployments, its mirror entry removed. */
export function trafficWithout(endpoint: string, deployment: string, maps: TrafficMaps): TrafficMaps {
  const lower = deployment.toLowerCase();
  const isIt = (name: string) => name.toLowerCase() === lower;
  const { live } = trafficCarried(maps, deployment);
  const mirrorTraffic = Object.fromEntries(Object.entries(maps.mirrorTraffic).filter(([k]) => !isIt(k)));
  const others = Object.entries(maps.traffic).filter(([k]) => !isIt(k));
  if (live === 0) return { traffic: Object.fromEntries(others), mirrorTraffic };

  const serving = others.filter(([, v]) => v > 0);
  if (serving.length === 0) {
    // Moving it to deployments that never took traffic would send users to something untested, and an
    // empty map would zero the endpoint's live traffic: neither is what a delete should do silently.
    const idle = others.map(([k]) => k);
    throw new UsageError(
      `deployment '${deployment}' serves all the live traffic of endpoint '${endpoint}' and no other deployment serves any${idle.length ? ` (${idle.join(', ')} at 0%)` : ''}; delete the endpoint instead (leave deployment-name empty), or give another deployment traffic with deploy-model first`,
      INPUT,
    );
  }
  const spread = spreadProportionally(
    serving.map(([k, v]) => [k, v] as const),
    live,
  );
  const traffic: TrafficMap = {};
  for (const [k, v] of others) traffic[k] = v + (spread.get(k) ?? 0);
  return { traffic, mirrorTraffic };
}

/** Splits `amount` whole percents over the entries in proportion to their weights (largest remainder). */
function spreadProportionally(
  entries: readonly (readonly [string, number])[],
  amount: number,
): Map<string, number> {
  const total = entries.reduce((a, [, v]) => a + v, 0);
  const parts = entries.map(([k, v], index) => {
    const exact = (v * amount) / total;
    return { k, index, whole: Math.floor(exact), rest: exact - Math.floor(exact) };
  });
  let left = amount - parts.reduce((a, p) => a + p.whole, 0);
  // Ties go to the entry listed first, so the result does not depend on sort stability.
  for (const p of [...parts].sort((a, b) => b.rest - a.rest || a.index - b.index)) {
    if (left <= 0) break;
    p.whole++;
    left--;
  }
  return new Map(parts.map((p) => [p.k, p.whole]));
}
