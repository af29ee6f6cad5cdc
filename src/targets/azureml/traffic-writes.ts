// Traffic writes that survive a concurrent writer. A run never resends a traffic map planned against a state
// that is gone: each write reads the endpoint fresh (once it is not mid-update), takes away what this run's own
// earlier writes changed (its ownership), adds what this step of the plan changes against the plan's previous
// maps, and PUTs that. A 409 "operation in progress" means the endpoint is changing under us: wait, read again,
// recompute. When the result cannot be a valid map (another writer took the shares this run moves, or undid
// them), the write fails with "the endpoint changed under this run" and nothing is sent.
//
// Without a concurrent writer the fresh read is what this run left, so the map written is exactly the plan's
// (the same object: zero entries and key order as planned, a restore byte-identical).

import type { TrafficMap } from '../../azure/bodies/types.ts';
import type { OperationResult } from '../../azure/lro.ts';
import type { AzureWorkspace } from '../../azure/workspace.ts';
import { endpointPath, type OnlineResource, trafficOf } from './online-resources.ts';
import { putEndpointFromFresh, type WaitScope } from './online-writes.ts';
import { formatMap, sameMap, share, type TrafficMaps } from './traffic.ts';

/** Signed changes per deployment (lower-case names, no zero entries). */
export interface TrafficDelta {
  traffic: TrafficMap;
  mirrorTraffic: TrafficMap;
}

/**
 * What this run's writes changed on the endpoint, relative to the maps it planned against. `inFlight` is a
 * write Azure accepted (or may have) whose outcome is not known yet: it counts as this run's when the endpoint
 * carries exactly the maps it sent.
 */
export interface TrafficOwnership {
  owned: TrafficDelta;
  inFlight?: { maps: TrafficMaps; owned: TrafficDelta };
}

export const NOTHING_OWNED: TrafficOwnership = { owned: { traffic: {}, mirrorTraffic: {} } };

/** The maps this write should leave: the plan's `wanted`, as a change from the plan's `previous`. */
export interface TrafficIntent {
  previous: TrafficMaps;
  wanted: TrafficMaps;
}

/** Another writer changed the endpoint in a way this run's change cannot be applied to (or undone from). */
export class EndpointChangedError extends Error {
  override name = 'EndpointChangedError';
}

export function deltaBetween(from: TrafficMaps, to: TrafficMaps): TrafficDelta {
  return {
    traffic: mapDelta(from.traffic, to.traffic),
    mirrorTraffic: mapDelta(from.mirrorTraffic, to.mirrorTraffic),
  };
}

export function sameMaps(a: TrafficMaps, b: TrafficMaps): boolean {
  return sameMap(a.traffic, b.traffic) && sameMap(a.mirrorTraffic, b.mirrorTraffic);
}

/** This run's part of what the endpoint carries now. */
function ownedIn(current: TrafficMaps, ownership: TrafficOwnership): TrafficDelta {
  const { inFlight } = ownership;
  return inFlight && sameMaps(current, inFlight.maps) ? inFlight.owned : ownership.owned;
}

export type MapsToWrite = { maps: TrafficMaps } | { conflict: string };

/**
 * The maps to write for `intent` over what the endpoint carries now: the other writers' part (current minus
 * this run's ownership) plus this step's change. The plan's own objects when they are what comes out.
 * Without an ownership, every difference from `intent.previous` counts as this run's.
 */
export function mapsToWrite(
  current: TrafficMaps,
  ownership: TrafficOwnership | undefined,
  intent: TrafficIntent,
): MapsToWrite {
  if (sameMaps(current, intent.wanted)) return { maps: current };
  const mine = ownership ? ownedIn(current, ownership) : deltaBetween(intent.previous, current);
  const others = applyDelta(current, mine, -1);
  const want = deltaBetween(intent.previous, intent.wanted);
  const maps = applyDelta(others, want, 1);
  const problem = negativeEntry(others) ?? mapProblem(maps);
  if (problem) {
    return {
      conflict: `the endpoint changed under this run: it carries ${describeMaps(current)}, and this run's change (${describeDelta(want)}) cannot be applied to what the other writers left (${problem})`,
    };
  }
  if (sameMaps(maps, intent.wanted)) return { maps: intent.wanted };
  if (sameMaps(maps, current)) return { maps: current };
  return { maps };
}

/**
 * Whether the live maps hold this run's change: its deployment's shares are the intended ones, and the rest
 * differs from what this run wrote only by another writer's change made since (verify after a concurrent write).
 */
export function holdsOwnChange(
  live: TrafficMaps,
  intended: TrafficMaps,
  ownership: TrafficOwnership,
  deployment: string,
): boolean {
  if (sameMaps(live, intended)) return true;
  if (share(live.traffic, deployment) !== share(intended.traffic, deployment)) return false;
  if (share(live.mirrorTraffic, deployment) !== share(intended.mirrorTraffic, deployment)) return false;
  const others = applyDelta(live, ownership.owned, -1);
  return negativeEntry(others) === undefined && mapProblem(live) === undefined;
}

export interface TrafficWriteOptions extends WaitScope {
  /** The PUT body for these maps over the endpoint as read now. */
  bodyFor: (current: OnlineResource, maps: TrafficMaps) => Record<string, unknown>;
  /** What this run's writes changed so far; undefined: every difference from `intent.previous`. */
  ownership: TrafficOwnership | undefined;
  /** Every change of this run's ownership (before a PUT is sent, once it is known to have landed). */
  onOwnership?: (ownership: TrafficOwnership) => void;
  /** The endpoint was busy (409) or changed since this run read it: a line for the log. */
  onNote?: (message: string) => void;
}

export interface TrafficWriteResult {
  /** The maps this write sent (or found already in place). */
  maps: TrafficMaps;
  /** undefined when nothing was written (the endpoint carried the maps already, or it does not exist). */
  result?: OperationResult<OnlineResource>;
  ownership: TrafficOwnership | undefined;
  /** The endpoint as read before the write (undefined when it does not exist). */
  current: OnlineResource | undefined;
}

/**
 * Writes `intent` over the endpoint's fresh maps (nothing when it does not exist); throws EndpointChangedError
 * when that is impossible.
 */
export async function writeTraffic(
  ws: AzureWorkspace,
  endpointName: string,
  intent: TrafficIntent,
  opts: TrafficWriteOptions,
): Promise<TrafficWriteResult> {
  let ownership = opts.ownership;
  const want = deltaBetween(intent.previous, intent.wanted);
  let sent: TrafficMaps | undefined;
  const setOwnership = (next: TrafficOwnership) => {
    ownership = next;
    opts.onOwnership?.(next);
  };
  const written = await putEndpointFromFresh(ws, endpointPath(ws, endpointName), {
    ...opts,
    build: (current) => {
      if (!current) return undefined;
      const now = trafficOf(current);
      const decided = mapsToWrite(now, ownership, intent);
      if ('conflict' in decided) throw new EndpointChangedError(decided.conflict);
      sent = decided.maps;
      if (sameMaps(decided.maps, now)) return undefined;
      const expected = ownership ? applyDelta(intent.previous, ownership.owned, 1) : now;
      if (!sameMaps(now, expected)) {
        opts.onNote?.(
          `endpoint ${endpointName} changed since this run read it (it carries ${describeMaps(now)}): this run's change goes on top of the other writer's`,
        );
      }
      // Sent: counts as this run's when the endpoint ends up carrying exactly these maps (the post: step needs that).
      setOwnership({
        owned: ownership?.owned ?? deltaBetween(intent.previous, now),
        inFlight: { maps: decided.maps, owned: want },
      });
      return opts.bodyFor(current, decided.maps);
    },
    ...(opts.onNote ? { onConflict: opts.onNote } : {}),
  });
  // Written, or already in place: the endpoint carries the other writers' part plus this run's change.
  if (written.current && (!written.result || written.result.status === 'Succeeded'))
    setOwnership({ owned: want });
  return {
    maps: sent ?? intent.wanted,
    ...(written.result ? { result: written.result } : {}),
    ownership,
    current: written.current,
  };
}

/** `maps + sign × delta`, keeping the names as `maps` spells them; zero entries of a changed name drop out. */
export function applyDelta(maps: TrafficMaps, delta: TrafficDelta, sign: 1 | -1): TrafficMaps {
  return {
    traffic: addToMap(maps.traffic, delta.traffic, sign),
    mirrorTraffic: addToMap(maps.mirrorTraffic, delta.mirrorTraffic, sign),
  };
}

function addToMap(map: TrafficMap, delta: TrafficMap, sign: 1 | -1): TrafficMap {
  if (Object.keys(delta).length === 0) return map;
  const out: TrafficMap = {};
  const seen = new Set<string>();
  for (const [name, value] of Object.entries(map)) {
    const key = name.toLowerCase();
    seen.add(key);
    const next = value + sign * (delta[key] ?? 0);
    if (next !== 0 || (delta[key] ?? 0) === 0) out[name] = next;
  }
  for (const [key, change] of Object.entries(delta)) {
    if (!seen.has(key) && change !== 0) out[key] = sign * change;
  }
  return out;
}

function mapDelta(from: TrafficMap, to: TrafficMap): TrafficMap {
  const delta: TrafficMap = {};
  const add = (name: string, v: number) => {
    const key = name.toLowerCase();
    delta[key] = (delta[key] ?? 0) + v;
  };
  for (const [name, v] of Object.entries(to)) add(name, v);
  for (const [name, v] of Object.entries(from)) add(name, -v);
  for (const key of Object.keys(delta)) if (delta[key] === 0) delete delta[key];
  return delta;
}

function negativeEntry(maps: TrafficMaps): string | undefined {
  for (const [label, map] of [
    ['traffic', maps.traffic],
    ['mirror traffic', maps.mirrorTraffic],
  ] as const) {
    for (const [name, v] of Object.entries(map)) {
      if (v < 0) return `${name} would have ${v}% ${label}`;
    }
  }
  return undefined;
}

/** What Azure would refuse (or a negative share): shares 0-100 adding up to 0 or 100, mirror <= 50, not both. */
function mapProblem(maps: TrafficMaps): string | undefined {
  const negative = negativeEntry(maps);
  if (negative) return negative;
  const sum = Object.values(maps.traffic).reduce((a, b) => a + b, 0);
  if (sum !== 0 && sum !== 100) return `the shares would add up to ${sum}`;
  const mirror = Object.values(maps.mirrorTraffic).reduce((a, b) => a + b, 0);
  if (mirror > 50) return `mirror traffic would add up to ${mirror}%`;
  for (const [name, v] of Object.entries(maps.mirrorTraffic)) {
    if (v > 0 && share(maps.traffic, name) > 0) return `${name} would get live and mirror traffic at once`;
  }
  return undefined;
}

function describeMaps(maps: TrafficMaps): string {
  const mirror = Object.values(maps.mirrorTraffic).some((v) => v > 0);
  return `traffic ${formatMap(maps.traffic)}${mirror ? ` and mirror traffic ${formatMap(maps.mirrorTraffic)}` : ''}`;
}

function describeDelta(delta: TrafficDelta): string {
  const fmt = (map: TrafficMap) =>
    Object.entries(map)
      .map(([k, v]) => `${k} ${v > 0 ? '+' : ''}${v}`)
      .join(', ');
  const parts = [
    Object.keys(delta.traffic).length ? fmt(delta.traffic) : '',
    Object.keys(delta.mirrorTraffic).length ? `mirror ${fmt(delta.mirrorTraffic)}` : '',
  ].filter(Boolean);
  return parts.length ? parts.join('; ') : 'none';
}
