// Scripted faults: the next N requests matching method + path get a canned answer or a dropped connection.

import type { FakeRequest, Reply } from './context.ts';

export interface FaultSpec {
  /** Any method when omitted. */
  method?: string;
  /** Tested against the path (without query). A string matches as a substring. */
  path: RegExp | string;
  /** How many matching requests fail; default 1. */
  times?: number;
  /** Default 500. */
  status?: number;
  headers?: Record<string, string>;
  /** JSON body, or 'reset' to destroy the socket without answering (a connection reset). */
  body?: unknown;
  /** Runs when the fault answers, before the answer goes out (e.g. another writer's change lands first). */
  onHit?: (req: FakeRequest) => void;
}

export interface ActiveFault {
  spec: FaultSpec;
  remaining: number;
  /** How many requests it answered. */
  hits: number;
}

export type FaultAnswer = { reset: true } | { reset: false; reply: Reply };

export function matchFault(faults: ActiveFault[], req: FakeRequest): FaultAnswer | undefined {
  for (const fault of faults) {
    if (fault.remaining <= 0) continue;
    if (fault.spec.method && fault.spec.method.toUpperCase() !== req.method) continue;
    const { path } = fault.spec;
    if (typeof path === 'string' ? !req.path.includes(path) : !path.test(req.path)) continue;
    fault.remaining--;
    fault.hits++;
    fault.spec.onHit?.(req);
    if (fault.spec.body === 'reset') return { reset: true };
    return {
      reset: false,
      reply: {
        status: fault.spec.status ?? 500,
        headers: fault.spec.headers ?? {},
        body: fault.spec.body ?? { error: { code: 'InternalServerError', message: 'Scripted failure' } },
      },
    };
  }
  return undefined;
}
