// The traffic rules of deploy-model (ACTIONS.md): `all` | `none` | `blue-green` | `canary=N` |
// `progressive=10,50,100` | an explicit `blue=90,green=10`, plus `mirror-traffic`. Pure: the current maps in,
// the maps the endpoint should end with (and, progressive, pass through) out, or a UsageError before anything
// is written. Maps the plan does not change are carried exactly as Azure returned them (zero entries and key
// order included), so a restore is byte-identical.

import type { TrafficMap } from '../../azure/bodies/types.ts';
import { UsageError } from '../../errors.ts';

export type TrafficStrategy =
  | { kind: 'all' }
  | { kind: 'none' }
  | { kind: 'blue-green' }
  | { kind: 'canary'; percent: number }
  /** The new deployment's share at each step: whole percents, increasing, the last one 100. */
  | { kind: 'progressive'; steps: number[] }
  | { kind: 'explicit'; map: TrafficMap };

export interface TrafficMaps {
  traffic: TrafficMap;
  mirrorTraffic: TrafficMap;
}

export interface TrafficDecision {
  /** The endpoint's maps before this run, exactly as read ({} for a new endpoint). */
  before: TrafficMaps;
  /** The maps the endpoint ends with (=== the `before` objects' content when unchanged). */
  after: TrafficMaps;
  /** after differs from before (ignoring zero entries and name case). */
  changes: boolean;
  /** A smoke gate runs before the shift (blue-green / canary / progressive that move traffic). */
  gated: boolean;
  /**
   * progressive, with another deployment serving: the maps of each step, in order; the last one is `after`.
   * Undefined for every other strategy (one shift).
   */
  steps?: TrafficMaps[];
  /** progressive with mirror-first: the maps of the mirror phase before the first step (live traffic as before). */
  mirrorFirst?: TrafficMaps;
  notes: string[];
}

const TRAFFIC = 'traffic';
const MIRROR = 'mirror-traffic';

/**
 * The `traffic` input: `all`, `none`, `blue-green`, `canary=N` (1-99), `progressive=10,50,100` (increasing
 * whole percents ending at 100), or `name=percent,...` / JSON.
 */
export function parseTrafficStrategy(text: string, input = TRAFFIC): TrafficStrategy {
  const value = text.trim();
  const lower = value.toLowerCase();
  if (lower === '' || lower === 'all') return { kind: 'all' };
  if (lower === 'none') return { kind: 'none' };
  if (lower === 'blue-green' || lower === 'bluegreen') return { kind: 'blue-green' };
  const canary = /^canary\s*[=:]\s*(\S+)$/i.exec(value);
  if (canary) {
    const percent = Number((canary[1] ?? '').replace(/%$/, ''));
    if (!Number.isInteger(percent) || percent < 1 || percent > 99) {
      throw new UsageError(
        `canary=${canary[1]}: the canary share must be a whole percent from 1 to 99`,
        input,
      );
    }
    return { kind: 'canary', percent };
  }
  const progressive = /^progressive\s*[=:]\s*(.*)$/is.exec(value);
  if (progressive) return { kind: 'progressive', steps: parseSteps(progressive[1] ?? '', input) };
  if (lower === 'progressive') {
    throw new UsageError('progressive needs its steps, e.g. progressive=10,50,100', input);
  }
  return { kind: 'explicit', map: parseTrafficMap(value, input) };
}

/** `10,50,100`: whole percents from 1 to 100, strictly increasing, the last one 100. */
function parseSteps(text: string, input: string): number[] {
  const parts = text
    .split(/[,\s]+/)
    .map((p) => p.trim())
    .filter(Boolean);
  const steps = parts.map((part) => {
    const n = Number(part.replace(/%$/, ''));
    if (!Number.isInteger(n) || n < 1 || n > 100) {
      throw new UsageError(
        `progressive=${text.trim()}: '${part}' is not a whole percent from 1 to 100`,
        input,
      );
    }
    return n;
  });
  if (steps.length === 0)
    throw new UsageError('progressive needs its steps, e.g. progressive=10,50,100', input);
  for (let i = 1; i < steps.length; i++) {
    if (steps[i]! <= steps[i - 1]!) {
      throw new UsageError(
        `progressive=${steps.join(',')}: the steps must increase (${steps[i - 1]} then ${steps[i]})`,
        input,
      );
    }
  }
  if (steps.at(-1) !== 100) {
    throw new UsageError(
      `progressive=${steps.join(',')}: the last step must be 100 (the rollout ends with all the traffic on the new deployment)`,
      input,
    );
  }
  return steps;
}

/** `blue=90,green=10` (commas or new lines; `%` allowed) or a JSON object. */
export function parseTrafficMap(text: string, input: string): TrafficMap {
  const value = text.trim();
  let entries: [string, unknown][];
  if (value.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch (error) {
      throw new UsageError(`not valid JSON: ${(error as Error).message}`, input);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new UsageError('expected a JSON object of deployment name to percent', input);
    }
    entries = Object.entries(parsed);
  } else {
    entries = value
      .split(/[,\n]/)
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const m = /^([^=:\s]+)\s*[=:]\s*(\S+?)%?$/.exec(part);
        if (!m) {
          throw new UsageError(
            `'${part}' is not name=percent (use all, none, blue-green, canary=N or e.g. blue=90,green=10)`,
            input,
          );
        }
        return [m[1] ?? '', Number(m[2])];
      });
  }
  const map: TrafficMap = {};
  for (const [name, percent] of entries) {
    if (typeof percent !== 'number' || !Number.isInteger(percent) || percent < 0 || percent > 100) {
      throw new UsageError(`${name}: ${String(percent)} is not a whole percent from 0 to 100`, input);
    }
    const key = name.toLowerCase();
    if (key in map) throw new UsageError(`${name} is given twice`, input);
    map[key] = percent;
  }
  if (Object.keys(map).length === 0) throw new UsageError('is empty', input);
  return map;
}

export function formatStrategy(strategy: TrafficStrategy): string {
  switch (strategy.kind) {
    case 'canary':
      return `canary=${strategy.percent}`;
    case 'progressive':
      return `progressive=${strategy.steps.join(',')}`;
    case 'explicit':
      return formatMap(strategy.map);
    default:
      return strategy.kind;
  }
}

export function formatMap(map: TrafficMap): string {
  const entries = Object.entries(map).filter(([, v]) => v !== 0);
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(',') : '(none)';
}

export function isGatedStrategy(strategy: TrafficStrategy): boolean {
  return strategy.kind === 'blue-green' || strategy.kind === 'canary' || strategy.kind === 'progressive';
}

/** Same maps, ignoring zero entries, key order and name case. */
export function sameMap(a: TrafficMap, b: TrafficMap): boolean {
  const norm = (m: TrafficMap) =>
    JSON.stringify(
      Object.entries(m)
        .filter(([, v]) => v !== 0)
        .map(([k, v]) => [k.toLowerCase(), v])
        .sort(([x], [y]) => String(x).localeCompare(String(y))),
    );
  return norm(a) === norm(b);
}

export function share(map: TrafficMap, name: string): number {
  const key = Object.keys(map).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? 0 : (map[key] ?? 0);
}

export interface TrafficInput {
  strategy: TrafficStrategy;
  /** The user's mirror map (replaces the current one); undefined keeps the current map. */
  mirror?: TrafficMap;
  current: TrafficMaps;
  /** The deployment being deployed (lower case). */
  deployment: string;
  /** Deployments the endpoint will have (existing ones plus this one), lower case. */
  deployments: readonly string[];
  kubernetes: boolean;
  /** The deployment is created or its spec changes in this run. */
  deploymentChanges: boolean;
  /** progressive: mirror live traffic to the deployment (at the first step's share) before the first step. */
  mirrorFirst?: boolean;
}

export function decideTraffic(input: TrafficInput): TrafficDecision {
  const { strategy, current, deployment } = input;
  const notes: string[] = [];
  const serving = Object.values(current.traffic).some((v) => v > 0);
  const known = new Set(input.deployments.map((d) => d.toLowerCase()));
  const unknownNames = (map: TrafficMap) => Object.keys(map).filter((k) => !known.has(k.toLowerCase()));

  let traffic: TrafficMap;
  switch (strategy.kind) {
    case 'none':
      traffic = current.traffic;
      break;
    case 'all':
      traffic = { [deployment]: 100 };
      break;
    case 'blue-green':
    case 'canary':
    case 'progressive': {
      const othersServing = Object.entries(current.traffic).some(
        ([k, v]) => v > 0 && k.toLowerCase() !== deployment,
      );
      if (!othersServing) {
        if (!serving) {
          notes.push(
            `nothing serves on the endpoint yet: ${formatStrategy(strategy)} sends 100% to ${deployment}`,
          );
        }
        traffic = { [deployment]: 100 };
      } else if (strategy.kind === 'blue-green' || strategy.kind === 'progressive') {
        traffic = { [deployment]: 100 };
      } else {
        traffic = canaryMap(current.traffic, deployment, strategy.percent);
      }
      break;
    }
    case 'explicit': {
      const missing = unknownNames(strategy.map);
      if (missing.length) {
        throw new UsageError(
          `${missing.join(', ')}: no such deployment on the endpoint (it has ${[...known].join(', ') || 'none'})`,
          TRAFFIC,
        );
      }
      const sum = Object.values(strategy.map).reduce((a, b) => a + b, 0);
      if (sum !== 0 && sum !== 100)
        throw new UsageError(`the shares add up to ${sum}; they must add up to 100 (or 0)`, TRAFFIC);
      traffic = Object.fromEntries(Object.entries(strategy.map).filter(([, v]) => v !== 0));
      break;
    }
  }
  if (sameMap(traffic, current.traffic)) traffic = current.traffic;

  if (
    isGatedStrategy(strategy) &&
    serving &&
    input.deploymentChanges &&
    share(current.traffic, deployment) > 0
  ) {
    throw new UsageError(
      `deployment '${deployment}' already serves ${share(current.traffic, deployment)}% of the traffic; ${formatStrategy(strategy)} deploys a new deployment next to the serving one: use another deployment-name, or traffic: all to update '${deployment}' in place`,
      TRAFFIC,
    );
  }

  let mirrorTraffic: TrafficMap = current.mirrorTraffic;
  if (input.kubernetes && Object.values(input.mirror ?? {}).some((v) => v > 0)) {
    throw new UsageError('Kubernetes online endpoints do not support mirror traffic', MIRROR);
  }
  if (input.mirror !== undefined) {
    const missing = unknownNames(input.mirror);
    if (missing.length) {
      throw new UsageError(`${missing.join(', ')}: no such deployment on the endpoint`, MIRROR);
    }
    const wanted = Object.fromEntries(Object.entries(input.mirror).filter(([, v]) => v !== 0));
    if (!sameMap(wanted, current.mirrorTraffic)) mirrorTraffic = wanted;
    for (const name of Object.keys(wanted)) {
      if (share(traffic, name) > 0) {
        throw new UsageError(
          `deployment '${name}' would receive live traffic (${share(traffic, name)}%) and mirror traffic at once; a deployment gets one or the other`,
          MIRROR,
        );
      }
    }
  } else {
    // A mirrored deployment that now takes live traffic stops being mirrored.
    const dropped = Object.keys(mirrorTraffic).filter((k) => mirrorTraffic[k] !== 0 && share(traffic, k) > 0);
    if (dropped.length) {
      mirrorTraffic = Object.fromEntries(Object.entries(mirrorTraffic).filter(([k]) => !dropped.includes(k)));
      notes.push(`${dropped.join(', ')} now receives live traffic, so its mirror traffic ends`);
    }
  }
  const mirrorSum = Object.values(mirrorTraffic).reduce((a, b) => a + b, 0);
  if (mirrorSum > 50)
    throw new UsageError(`mirror traffic adds up to ${mirrorSum}%; at most 50% may be mirrored`, MIRROR);

  const changes = !sameMap(traffic, current.traffic) || !sameMap(mirrorTraffic, current.mirrorTraffic);
  const after = { traffic, mirrorTraffic };
  const progressive = strategy.kind === 'progressive' && changes ? progressiveMaps(input, after) : {};
  return {
    before: current,
    after,
    changes,
    gated: isGatedStrategy(strategy) && changes,
    ...progressive,
    notes,
  };
}

/**
 * progressive: one map per step (the new deployment's share, the serving ones sharing the rest in their current
 * proportions; mirror traffic as it ends), and the optional mirror phase. Nothing to step through when no
 * other deployment serves: then the one shift of `after` is the rollout.
 */
function progressiveMaps(
  input: TrafficInput,
  after: TrafficMaps,
): Pick<TrafficDecision, 'steps' | 'mirrorFirst'> {
  const { current, deployment, strategy } = input;
  if (strategy.kind !== 'progressive') return {};
  const othersServing = Object.entries(current.traffic).some(
    ([k, v]) => v > 0 && k.toLowerCase() !== deployment,
  );
  if (!othersServing) {
    if (input.mirrorFirst) {
      throw new UsageError(
        'nothing serves on the endpoint yet, so there is no live traffic to mirror: leave mirror-first-seconds at 0',
        'mirror-first-seconds',
      );
    }
    return {};
  }
  const steps = strategy.steps.map((percent) =>
    percent === 100
      ? after
      : { traffic: canaryMap(current.traffic, deployment, percent), mirrorTraffic: after.mirrorTraffic },
  );
  if (!input.mirrorFirst) return { steps };
  if (input.kubernetes) {
    throw new UsageError('Kubernetes online endpoints do not support mirror traffic', 'mirror-first-seconds');
  }
  const others = Object.fromEntries(
    Object.entries(current.mirrorTraffic).filter(([k, v]) => v !== 0 && k.toLowerCase() !== deployment),
  );
  const room = 50 - Object.values(others).reduce((a, b) => a + b, 0);
  const percent = Math.min(strategy.steps[0] ?? 0, room);
  if (percent < 1) {
    throw new UsageError(
      `the endpoint already mirrors ${50 - room}% of its traffic (at most 50% may be mirrored): there is no room to mirror to ${deployment}`,
      'mirror-first-seconds',
    );
  }
  return {
    steps,
    mirrorFirst: { traffic: current.traffic, mirrorTraffic: { ...others, [deployment]: percent } },
  };
}

/** canary=N: the new deployment gets N%, the serving ones share 100-N in their current proportions. */
function canaryMap(current: TrafficMap, deployment: string, percent: number): TrafficMap {
  const others = Object.entries(current).filter(([k, v]) => v > 0 && k.toLowerCase() !== deployment);
  const total = others.reduce((a, [, v]) => a + v, 0);
  const rest = 100 - percent;
  // Largest remainder, so the shares stay whole and add up to exactly 100.
  const exact = others.map(([k, v]) => ({ k, exact: (v * rest) / total }));
  const floors = exact.map((e) => ({ k: e.k, v: Math.floor(e.exact), r: e.exact - Math.floor(e.exact) }));
  let left = rest - floors.reduce((a, f) => a + f.v, 0);
  for (const f of [...floors].sort((a, b) => b.r - a.r)) {
    if (left <= 0) break;
    f.v++;
    left--;
  }
  const map: TrafficMap = {};
  for (const f of floors) if (f.v > 0) map[f.k] = f.v;
  map[deployment] = percent;
  return map;
}
