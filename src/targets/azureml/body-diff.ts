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

/** A field whose desired value differs from the current one, with both values. */
export interface BodyChange {
  /** The REST path, e.g. `properties.requestSettings.requestTimeout`. */
  path: string;
  before: unknown;
  after: unknown;
}

/** Paths (`properties.requestSettings.requestTimeout`) whose desired value differs from the current one. */
export function diffBody(desired: unknown, current: unknown): string[] {
  return diffBodyValues(desired, current).map((c) => c.path);
}

/** The changed fields with their current and desired values (whole maps as a whole). */
export function diffBodyValues(desired: unknown, current: unknown): BodyChange[] {
  const changes: BodyChange[] = [];
  walk('', desired, current, changes);
  return changes;
}

/** REST paths as the YAML names them, where the generic rule (drop `properties.`, snake_case) is not it. */
const YAML_NAMES: Record<string, string> = {
  'sku.capacity': 'instance_count',
  'sku.name': 'sku',
  'properties.model': 'model',
  'properties.environmentId': 'environment',
  'properties.codeConfiguration.codeId': 'code',
  'properties.codeConfiguration.scoringScript': 'scoring_script',
  'properties.requestSettings.requestTimeout': 'request_settings.request_timeout_ms',
  'properties.requestSettings.maxQueueWait': 'request_settings.max_queue_wait_ms',
  'properties.livenessProbe.initialDelay': 'liveness_probe.initial_delay',
  'properties.readinessProbe.initialDelay': 'readiness_probe.initial_delay',
};

function yamlName(restPath: string): string {
  return (
    YAML_NAMES[restPath] ??
    restPath
      .replace(/^properties\./, '')
      .replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
      .replace(/\._/g, '.')
  );
}

/** An asset version id as `azureml:name:version`; other values as JSON-ish text, long ones cut. */
function shownValue(value: unknown): string {
  if (value === undefined || value === null) return '(none)';
  if (typeof value === 'string') {
    const asset = /\/(?:models|environments|codes)\/([^/]+)\/versions\/([^/]+)$/i.exec(value);
    const text = asset ? `azureml:${asset[1]}:${asset[2]}` : value;
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  }
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * One line per changed field, named as in the YAML: `instance_count: 1 → 2`,
 * `environment: azureml:env:3 → azureml:env:4`. Environment variables may hold secrets: only their names.
 */
export function describeBodyChanges(desired: unknown, current: unknown): string[] {
  return diffBodyValues(desired, current).map(({ path, before, after }) => {
    const name = yamlName(path);
    if (path === 'properties.environmentVariables') {
      const a = isObject(after) ? after : {};
      const b = isObject(before) ? before : {};
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
      const parts = keys.flatMap((k) =>
        !(k in b) ? [`+${k}`] : !(k in a) ? [`-${k}`] : String(a[k]) !== String(b[k]) ? [`~${k}`] : [],
      );
      return `${name}: ${parts.join(' ')} (values not shown)`;
    }
    return `${name}: ${shownValue(before)} → ${shownValue(after)}`;
  });
}

function walk(path: string, desired: unknown, current: unknown, changes: BodyChange[]): void {
  if (IGNORED.has(path) || desired === undefined) return;
  if (isObject(desired)) {
    if (WHOLE_MAPS.has(path)) {
      if (!sameMap(desired, isObject(current) ? current : {}))
        changes.push({ path, before: current, after: desired });
      return;
    }
    if (KEY_SETS.has(path)) {
      const keys = (m: unknown) =>
        JSON.stringify(
          Object.keys(isObject(m) ? m : {})
            .map((k) => k.toLowerCase())
            .sort(),
        );
      if (keys(desired) !== keys(current)) changes.push({ path, before: current, after: desired });
      return;
    }
    if (ADD_ONLY.has(path)) {
      const have = isObject(current) ? current : {};
      for (const [key, value] of Object.entries(desired)) {
        if (!isServiceProperty(key) && String(have[key]) !== String(value)) {
          changes.push({ path: `${path}.${key}`, before: have[key], after: value });
        }
      }
      return;
    }
    for (const [key, value] of Object.entries(desired)) {
      walk(path ? `${path}.${key}` : key, value, isObject(current) ? current[key] : undefined, changes);
    }
    return;
  }
  if (!sameScalar(path, desired, current)) changes.push({ path, before: current, after: desired });
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
