// The scoring side of the fake's online endpoints (startFakeAzure({ serveScoring: true })): POST
// {url}/online-scoring/{endpoint}/score is routed as Azure ML routes it. With an `azureml-model-deployment`
// header: to that deployment, whatever its share. Without: by the endpoint's traffic shares (smooth weighted
// round robin, so the split is exact and repeatable), and a copy goes to each mirrored deployment at its mirror
// share (the copy's answer is dropped). Auth as the endpoint's mode says (Key: one of its keys as a bearer).
// What each deployment answers is scripted per test: a latency, a status, a body, fixed or per call (the
// call says the deployment's current share and how many calls it had), so a test can make the new deployment
// slower or failing from any step on.

import type { FakeRequest, Reply } from './context.ts';

export interface ScoringBehaviour {
  /** Real milliseconds before the answer (probes measure real time). Default 0. */
  latencyMs?: number;
  /** Default 200. */
  status?: number;
  /** JSON body; default `{ deployment: NAME }` (an error message for statuses >= 400). */
  body?: unknown;
}

export interface ScoringCallInfo {
  endpoint: string;
  deployment: string;
  /** The deployment's live share (%) when the call came. */
  share: number;
  mirrorShare: number;
  /** Calls this deployment received so far, this one included (1-based; mirrored copies count). */
  n: number;
  routedBy: 'header' | 'traffic' | 'mirror';
}

export type ScoringScript = ScoringBehaviour | ((call: ScoringCallInfo) => ScoringBehaviour);

export interface ScoringCall extends ScoringCallInfo {
  status: number;
}

/** What the scoring routes need to know about an endpoint. */
export interface ScoredEndpoint {
  name: string;
  authMode: string;
  keys: { primaryKey: string; secondaryKey: string };
  traffic: Record<string, number>;
  mirrorTraffic: Record<string, number>;
  /** Deployment name (as created) → provisioning state. */
  deployments: Map<string, { name: string; state: string }>;
}

export const SCORING_PATH = /^\/online-scoring\/([^/]+)\/score$/;

export class FakeScoring {
  readonly calls: ScoringCall[] = [];
  readonly #scripts = new Map<string, ScoringScript>();
  readonly #counts = new Map<string, number>();
  /** Smooth weighted round robin state per endpoint. */
  readonly #wrr = new Map<string, Map<string, number>>();
  readonly #mirrorCredit = new Map<string, number>();

  /** What `deployment` (of any endpoint, or of `endpoint`) answers from now on. */
  behave(deployment: string, script: ScoringScript, endpoint?: string): void {
    this.#scripts.set(key(endpoint ?? '*', deployment), script);
  }

  /** Calls a deployment received, optionally only those routed a given way. */
  callsTo(deployment: string, routedBy?: ScoringCallInfo['routedBy']): ScoringCall[] {
    return this.calls.filter(
      (c) =>
        c.deployment.toLowerCase() === deployment.toLowerCase() && (!routedBy || c.routedBy === routedBy),
    );
  }

  async handle(req: FakeRequest, ep: ScoredEndpoint | undefined, endpointName: string): Promise<Reply> {
    if (req.method !== 'POST') return message(405, 'POST only');
    if (!ep) return message(404, `Endpoint '${endpointName}' not found.`);
    const denied = checkAuth(req, ep);
    if (denied) return denied;
    const header = req.headers['azureml-model-deployment'];
    let target: string | undefined;
    let routedBy: ScoringCallInfo['routedBy'];
    if (header) {
      target = [...ep.deployments.values()].find((d) => d.name.toLowerCase() === header.toLowerCase())?.name;
      if (!target) return message(404, `Deployment '${header}' not found in endpoint '${ep.name}'.`);
      routedBy = 'header';
    } else {
      target = this.#pick(ep);
      if (!target) {
        return message(
          404,
          'No valid deployments to route to. Please check that the endpoint has at least one deployment with positive weight values or use a deployment specific header to route.',
        );
      }
      routedBy = 'traffic';
      for (const mirrored of this.#mirrorsFor(ep)) {
        void this.#answer(ep, mirrored, 'mirror');
      }
    }
    return this.#answer(ep, target, routedBy);
  }

  async #answer(
    ep: ScoredEndpoint,
    deployment: string,
    routedBy: ScoringCallInfo['routedBy'],
  ): Promise<Reply> {
    const state = [...ep.deployments.values()].find((d) => d.name === deployment)?.state ?? 'Unknown';
    const countKey = key(ep.name, deployment);
    const n = (this.#counts.get(countKey) ?? 0) + 1;
    this.#counts.set(countKey, n);
    const info: ScoringCallInfo = {
      endpoint: ep.name,
      deployment,
      share: lookup(ep.traffic, deployment),
      mirrorShare: lookup(ep.mirrorTraffic, deployment),
      n,
      routedBy,
    };
    if (state !== 'Succeeded' && state !== 'Updating') {
      this.calls.push({ ...info, status: 503 });
      return message(503, `Deployment '${deployment}' is ${state}: no healthy upstream.`);
    }
    const script =
      this.#scripts.get(key(ep.name, deployment)) ?? this.#scripts.get(key('*', deployment)) ?? {};
    const behaviour = typeof script === 'function' ? script(info) : script;
    const status = behaviour.status ?? 200;
    if (behaviour.latencyMs) await new Promise((resolve) => setTimeout(resolve, behaviour.latencyMs));
    this.calls.push({ ...info, status });
    const body =
      behaviour.body ??
      (status >= 400
        ? { message: `An unexpected error occurred in scoring script (${deployment}).` }
        : { deployment });
    return { status, body };
  }

  /** Smooth weighted round robin over the live shares (exact proportions over every 100 calls). */
  #pick(ep: ScoredEndpoint): string | undefined {
    const weights = Object.entries(ep.traffic).filter(([, v]) => v > 0);
    if (weights.length === 0) return undefined;
    const state = this.#wrr.get(ep.name) ?? new Map<string, number>();
    this.#wrr.set(ep.name, state);
    const total = weights.reduce((a, [, v]) => a + v, 0);
    let best: string | undefined;
    for (const [name, weight] of weights) {
      const current = (state.get(name) ?? 0) + weight;
      state.set(name, current);
      if (best === undefined || current > (state.get(best) ?? 0)) best = name;
    }
    if (best === undefined) return undefined;
    state.set(best, (state.get(best) ?? 0) - total);
    return canonicalName(ep, best);
  }

  /** Deployments that get a copy of this call: each at its mirror share. */
  #mirrorsFor(ep: ScoredEndpoint): string[] {
    const out: string[] = [];
    for (const [name, percent] of Object.entries(ep.mirrorTraffic)) {
      if (percent <= 0) continue;
      const k = key(ep.name, name);
      const credit = (this.#mirrorCredit.get(k) ?? 0) + percent;
      if (credit >= 100) {
        this.#mirrorCredit.set(k, credit - 100);
        out.push(canonicalName(ep, name));
      } else this.#mirrorCredit.set(k, credit);
    }
    return out;
  }
}

function checkAuth(req: FakeRequest, ep: ScoredEndpoint): Reply | undefined {
  const auth = req.headers.authorization ?? '';
  if (!auth.startsWith('Bearer ')) return message(401, 'Missing or malformed Authorization header.');
  if (ep.authMode === 'Key') {
    const key = auth.slice('Bearer '.length);
    if (key !== ep.keys.primaryKey && key !== ep.keys.secondaryKey) return message(401, 'Invalid key.');
  }
  return undefined;
}

function canonicalName(ep: ScoredEndpoint, name: string): string {
  return ep.deployments.get(name.toLowerCase())?.name ?? name;
}

function lookup(map: Record<string, number>, name: string): number {
  const k = Object.keys(map).find((x) => x.toLowerCase() === name.toLowerCase());
  return k === undefined ? 0 : (map[k] ?? 0);
}

function key(endpoint: string, deployment: string): string {
  return `${endpoint}/${deployment}`.toLowerCase();
}

function message(status: number, text: string): Reply {
  return { status, body: { message: text } };
}
