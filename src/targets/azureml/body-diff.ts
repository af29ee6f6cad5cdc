// What would change if a body were PUT over what a GET returned. Only the fields we send are compared (the
// service adds defaults such as scaleSettings and sku capacity); enums and ARM ids compare without case,
// durations by length (PT90S = PT1M30S); tags and environment variables compare as whole maps; the
// add-only properties bag only needs our entries to be there.

import { parseIsoDurationMs } from '../../azure/bodies/iso-duration.ts';
import { isServiceProperty } from './online-resources.ts';

const CASE_INSENSITIVE = new Set([
  'authMode',
  'publicNetworkAccess',
  'egressPublicNetworkAccess',
  'endpointComputeType',
  'scaleType',
  'model',
  'environmentId',
  'codeId',
  'compute',
  'type',
  'osType',
  'instanceType',
]);
/** Case-insensitive by full path, where the key alone is too common (`name`). */
const CASE_INSENSITIVE_PATHS = new Set(['sku.name']);
const DURATIONS = new Set([
  'initialDelay',
  'period',
  'timeout',
  'requestTimeout',
  'maxQueueWait',
  'pollingInterval',
]);
/** Compared as whole maps: a removed entry is a change. */
const WHOLE_MAPS = new Set(['tags', 'properties.environmentVariables']);
/** Compared by their keys only (the values are read-only ids the service fills in). */
const KEY_SETS = new Set(['identity.userAssignedIdentities']);
/** Add-only: our entries must be there; others (the service's, or earlier ones) are fine. */
const ADD_ONLY = new Set(['properties.properties']);
/** Never compared: fixed at creation (location) or carried over on purpose (traffic maps). */
const IGNORED = new Set(['location', 'properties.traffic', 'properties.mirrorTraffic']);

/** Paths (`properties.requestSettings.requestTimeout`) whose desired value differs from the current one. */
export function diffBody(desired: unknown, current: unknown): string[] {
  const changes: string[] = [];
  walk('', desired, current, changes);
  return changes;
}

function walk(path: string, desired: unknown, current: unknown, changes: string[]): void {
  if (IGNORED.has(path) || desired === undefined) return;
  if (isObject(desired)) {
    if (WHOLE_MAPS.has(path)) {
      if (!sameMap(desired, isObject(current) ? current : {})) changes.push(path);
      return;
    }
    if (KEY_SETS.has(path)) {
      const keys = (m: unknown) =>
        JSON.stringify(
          Object.keys(isObject(m) ? m : {})
            .map((k) => k.toLowerCase())
            .sort(),
        );
      if (keys(desired) !== keys(current)) changes.push(path);
      return;
    }
    if (ADD_ONLY.has(path)) {
      const have = isObject(current) ? current : {};
      for (const [key, value] of Object.entries(desired)) {
        if (!isServiceProperty(key) && String(have[key]) !== String(value)) {
          changes.push(`${path}.${key}`);
        }
      }
      return;
    }
    for (const [key, value] of Object.entries(desired)) {
      walk(path ? `${path}.${key}` : key, value, isObject(current) ? current[key] : undefined, changes);
    }
    return;
  }
  if (!sameScalar(path, desired, current)) changes.push(path);
}

function sameScalar(path: string, desired: unknown, current: unknown): boolean {
  const key = path.slice(path.lastIndexOf('.') + 1);
  if (typeof desired === 'string' && typeof current === 'string') {
    if (DURATIONS.has(key)) {
      const a = parseIsoDurationMs(desired);
      return a !== undefined && a === parseIsoDurationMs(current);
    }
    if (CASE_INSENSITIVE.has(key) || CASE_INSENSITIVE_PATHS.has(path))
      return desired.toLowerCase() === current.toLowerCase();
    return desired === current;
  }
  if (Array.isArray(desired)) return JSON.stringify(desired) === JSON.stringify(current);
  return desired === current;
}

function sameMap(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const x = a[key];
    const y = b[key];
    if (isObject(x) || isObject(y)) {
      if (JSON.stringify(x) !== JSON.stringify(y)) return false;
    } else if (x === undefined || y === undefined || String(x) !== String(y)) return false;
  }
  return true;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
