// Which online endpoints a sweep deletes: names starting with the prefix (endpoint names are
// case-insensitive in Azure) created more than `olderThanHours` ago, by the endpoint's own
// `systemData.createdAt`. An endpoint without a readable creation time is never swept.

import type { OnlineResource } from './online-resources.ts';

export interface SweepRule {
  prefix: string;
  olderThanHours: number;
}

export interface SweepCandidate {
  name: string;
  /** Epoch ms. */
  createdAt: number;
}

export interface SweepSelection {
  stale: SweepCandidate[];
  /** Prefix matches that stay, each with why (for the log). */
  kept: string[];
}

const HOUR = 3_600_000;

export function selectStaleEndpoints(
  endpoints: readonly OnlineResource[],
  rule: SweepRule,
  now: number,
): SweepSelection {
  const cutoff = now - rule.olderThanHours * HOUR;
  const prefix = rule.prefix.toLowerCase();
  const stale: SweepCandidate[] = [];
  const kept: string[] = [];
  for (const endpoint of endpoints) {
    const name = endpoint.name;
    if (typeof name !== 'string' || !name.toLowerCase().startsWith(prefix)) continue;
    const created = createdAtOf(endpoint);
    if (created === undefined) kept.push(`${name}: no systemData.createdAt, not swept`);
    else if (created > cutoff) kept.push(`${name}: created ${new Date(created).toISOString()}, too recent`);
    else stale.push({ name, createdAt: created });
  }
  stale.sort((a, b) => a.createdAt - b.createdAt || a.name.localeCompare(b.name));
  return { stale, kept };
}

function createdAtOf(endpoint: OnlineResource): number | undefined {
  const systemData = endpoint.systemData as { createdAt?: unknown } | undefined;
  const text = systemData?.createdAt;
  if (typeof text !== 'string') return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Runs `fn` over the items with at most `limit` in flight; every item runs, failures are returned. */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<{ item: T; error: unknown }[]> {
  const failures: { item: T; error: unknown }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (error) {
        failures.push({ item, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return failures;
}
