// delete-service on Azure ML: delete one deployment (refused while it carries traffic unless forced, which
// moves its traffic to the other deployments first), an endpoint with its deployments, stale endpoints by
// prefix and age (sweep), and archive or delete a model version. DELETEs of endpoints and deployments are
// long-running (202 + Location, polled until the resource answers 404); 204 or 404 means "already gone".
// Everything that can refuse the run is checked before the first write. A name with no online endpoint is
// looked up among batch endpoints (batch-delete.ts) before it counts as missing.

import type { ArmResponse } from '../../azure/arm-client.ts';
import { AzureError } from '../../azure/errors.ts';
import { type OperationProgress, waitForOperation } from '../../azure/lro.ts';
import type { AzureWorkspace } from '../../azure/workspace.ts';
import { ActionFailure, errorMessage, UsageError } from '../../errors.ts';
import { AzureModelRegistry } from '../../registry/azureml-registry.ts';
import { MissingResourceError } from '../target.ts';
import { type BatchDeletionSteps, deleteBatchDeployment, deleteBatchEndpoint } from './batch-delete.ts';
import { getBatchEndpoint } from './batch-resources.ts';
import { forEachLimited, type SweepRule, selectStaleEndpoints } from './delete-sweep.ts';
import { refuseWhileServing, trafficCarried, trafficWithout } from './delete-traffic.ts';
import {
  deploymentPath,
  endpointPath,
  getDeployment,
  listDeployments,
  type OnlineResource,
  trafficOf,
  writableBody,
} from './online-resources.ts';
import { putEndpointFromFresh, waitUntilSettled } from './online-writes.ts';
import { formatMap, sameMap, type TrafficMaps } from './traffic.ts';

export interface DeleteRequest {
  endpointName?: string;
  /** Only this deployment of `endpointName`. */
  deploymentName?: string;
  /** Move the deployment's live and mirror traffic away first instead of refusing. */
  force?: boolean;
  model?: { name: string; version: string; action: 'archive' | 'delete' };
  sweep?: SweepRule;
  /** Deleting what is already gone is success (listed in `missing`). */
  ignoreMissing: boolean;
  /** Poll the DELETEs until the resources are gone; false only starts them. */
  wait: boolean;
}

export interface DeleteOptions {
  /** Epoch ms: no request is sent and no poll made after it. */
  deadline: number;
  now(): number;
  /** Milestones and long-running state changes, one line each. */
  onProgress?(line: string): void;
  signal?: AbortSignal;
  /** Sweep deletions in flight at once; default 3. */
  sweepConcurrency?: number;
}

export interface DeleteResult {
  /** `deployment:EP/NAME`, `endpoint:NAME`, `model:NAME:VERSION`: removed, archived, or (wait=false) accepted. */
  deleted: string[];
  /** Entries of `deleted` whose DELETE was accepted but not waited for (wait=false). */
  deleting: string[];
  /** What was already gone, in the same notation. */
  missing: string[];
  /** What was done, one line per milestone, for the log and the job summary. */
  steps: string[];
}

export { MissingResourceError };

type Outcome = 'deleted' | 'deleting' | 'missing';

const DEFAULT_SWEEP_CONCURRENCY = 3;

export async function deleteFromWorkspace(
  ws: AzureWorkspace,
  request: DeleteRequest,
  opts: DeleteOptions,
): Promise<DeleteResult> {
  checkRequest(request);
  const run = new WorkspaceDeletion(ws, request, opts);
  if (request.endpointName && request.deploymentName) {
    await run.deleteDeployment(request.endpointName, request.deploymentName);
  } else if (request.endpointName) {
    await run.deleteEndpoint(request.endpointName, false);
  }
  if (request.sweep) await run.sweep(request.sweep, request.endpointName);
  if (request.model) await run.deleteModel(request.model);
  return run.finish();
}

/** One delete-service run: what it deleted, found missing and did, and the calls that do each kind. */
class WorkspaceDeletion {
  readonly result: DeleteResult = { deleted: [], deleting: [], missing: [], steps: [] };
  readonly #missingReasons: string[] = [];
  readonly #scope: { deadline: number; signal?: AbortSignal };
  readonly #where: string;
  #workspaceChecked: Promise<unknown> | undefined;

  private readonly ws: AzureWorkspace;
  private readonly request: DeleteRequest;
  private readonly opts: DeleteOptions;

  constructor(ws: AzureWorkspace, request: DeleteRequest, opts: DeleteOptions) {
    this.ws = ws;
    this.request = request;
    this.opts = opts;
    this.#scope = { deadline: opts.deadline, ...(opts.signal ? { signal: opts.signal } : {}) };
    this.#where = inWorkspace(ws);
  }

  async deleteEndpoint(name: string, sweeping: boolean): Promise<void> {
    const entry = `endpoint:${name}`;
    const what = `online endpoint '${name}'`;
    const started = this.opts.now();
    // Listed first so `deleted` names the deployments that go with it, as on the local target.
    const deployments = await listDeploymentNames(this.ws, name, this.#scope);
    const outcome = await this.#deleteResource(endpointPath(this.ws, name), what);
    if (outcome === 'missing' && !sweeping && (await this.#deleteBatchInstead(name, undefined))) return;
    if (outcome === 'missing') return this.#noteMissing(entry, what, !sweeping);
    this.#noteDone(
      [...(deployments ?? []).map((d) => `deployment:${name}/${d}`), entry],
      outcome,
      what,
      started,
    );
  }

  async deleteDeployment(endpoint: string, name: string): Promise<void> {
    const entry = `deployment:${endpoint}/${name}`;
    const what = `online deployment '${name}' of endpoint '${endpoint}'`;
    const started = this.opts.now();
    // The traffic maps are read once the endpoint is not mid-update, so the decision below is on final maps.
    const settled = await waitUntilSettled(this.ws, endpointPath(this.ws, endpoint), {
      ...this.#scope,
      onState: (p) =>
        this.opts.onProgress?.(`online endpoint '${endpoint}': ${p.state} (waiting for it to settle)`),
    });
    const ep = settled?.resource;
    if (!ep && (await this.#deleteBatchInstead(endpoint, name))) return;
    if (!ep) return this.#noteMissing(entry, `online endpoint '${endpoint}' (so its deployment '${name}')`);
    if (!(await getDeployment(this.ws, endpoint, name, this.#scope))) return this.#noteMissing(entry, what);

    const maps = trafficOf(ep);
    const carried = trafficCarried(maps, name);
    if (carried.live > 0 || carried.mirror > 0) {
      if (!this.request.force) refuseWhileServing(endpoint, name, maps);
      await this.#moveTrafficAway(endpoint, name);
    }
    const outcome = await this.#deleteResource(deploymentPath(this.ws, endpoint, name), what);
    if (outcome === 'missing') return this.#noteMissing(entry, what);
    this.#noteDone([entry], outcome, what, started);
  }

  /**
   * No online endpoint of that name: a batch endpoint, or one of its deployments (batch-delete.ts), with this
   * run's DELETE and bookkeeping. False when there is no batch endpoint either.
   */
  async #deleteBatchInstead(endpoint: string, deployment: string | undefined): Promise<boolean> {
    if (!(await getBatchEndpoint(this.ws, endpoint, this.#scope))) return false;
    const steps: BatchDeletionSteps = {
      scope: this.#scope,
      now: () => this.opts.now(),
      deleteResource: (path, what) => this.#deleteResource(path, what),
      done: (entries, outcome, what, started) => this.#noteDone(entries, outcome, what, started),
      missing: (entry, what) => this.#noteMissing(entry, what),
      step: (line) => this.#step(line),
      progress: (line) => this.opts.onProgress?.(line),
    };
    if (deployment)
      await deleteBatchDeployment(this.ws, endpoint, deployment, this.request.force ?? false, steps);
    else await deleteBatchEndpoint(this.ws, endpoint, steps);
    return true;
  }

  /** Endpoints named PREFIX* older than the rule, a few at a time; the explicitly named one is not swept twice. */
  async sweep(rule: SweepRule, named: string | undefined): Promise<void> {
    const listed = await this.ws.client.listAll<OnlineResource>(
      `${this.ws.path}/onlineEndpoints`,
      this.#scope,
    );
    const { stale, kept } = selectStaleEndpoints(listed, rule, this.opts.now());
    for (const line of kept) this.opts.onProgress?.(`sweep: ${line}`);
    const targets = stale.filter((c) => c.name.toLowerCase() !== named?.toLowerCase());
    this.#step(
      targets.length
        ? `sweep: ${targets.length} endpoint(s) named ${rule.prefix}* older than ${rule.olderThanHours} h: ${targets.map((c) => `${c.name} (created ${new Date(c.createdAt).toISOString()})`).join(', ')}`
        : `sweep: no endpoint named ${rule.prefix}* is older than ${rule.olderThanHours} h`,
    );
    const failures = await forEachLimited(
      targets,
      this.opts.sweepConcurrency ?? DEFAULT_SWEEP_CONCURRENCY,
      (candidate) => this.deleteEndpoint(candidate.name, true),
    );
    this.opts.signal?.throwIfAborted();
    if (failures.length) {
      throw new ActionFailure(
        `sweep: ${failures.length} of ${targets.length} endpoint(s) could not be deleted: ${failures.map((f) => `${f.item.name}: ${errorMessage(f.error)}`).join('; ')}`,
      );
    }
  }

  async deleteModel(model: NonNullable<DeleteRequest['model']>): Promise<void> {
    const { name, version, action } = model;
    const entry = `model:${name}:${version}`;
    const what = `model '${name}' version '${version}'`;
    this.opts.signal?.throwIfAborted();
    const registry = new AzureModelRegistry(this.ws);
    const found =
      action === 'archive' ? await registry.archive(name, version) : await registry.delete(name, version);
    if (!found) return this.#noteMissing(entry, what);
    this.result.deleted.push(entry);
    this.#step(`${what}: ${action === 'archive' ? 'archived' : 'deleted'}`);
  }

  /** The result, or MissingResourceError (carrying it) when something named was missing and that is an error. */
  finish(): DeleteResult {
    if (this.#missingReasons.length && !this.request.ignoreMissing) {
      throw new MissingResourceError(
        `${this.#missingReasons.join('; ')} (set ignore-missing: true to accept that)`,
        this.result,
      );
    }
    return this.result;
  }

  /** DELETE and, with wait, poll until the resource is gone. */
  async #deleteResource(path: string, what: string): Promise<Outcome> {
    const started = this.opts.now();
    const initial = await this.ws.client.delete(path, { ...this.#scope, allowStatus: [404] });
    if (initial.status === 404 || initial.status === 204) return 'missing';
    if (!this.request.wait) return isFinished(initial) ? 'deleted' : 'deleting';
    const done = await waitForOperation(initial, {
      client: this.ws.client,
      resourceUrl: path,
      ...this.#scope,
      onProgress: this.#stateLine(what, started),
      description: what,
    });
    if (done.status !== 'Succeeded') {
      throw new ActionFailure(
        `deleting ${what} ended ${done.status}: ${done.error?.message ?? 'Azure gave no details'} (${this.#where})`,
      );
    }
    return 'deleted';
  }

  /**
   * Moves the deployment's traffic off it. The new maps are computed from a fresh read at each attempt: a 409
   * (another writer mid-update) is waited out and the maps recomputed, never resent as they were.
   */
  async #moveTrafficAway(endpoint: string, deployment: string): Promise<void> {
    const started = this.opts.now();
    const what = `online endpoint '${endpoint}'`;
    this.opts.onProgress?.(`${what}: moving the traffic of '${deployment}' before deleting it`);
    let before: TrafficMaps | undefined;
    let after: TrafficMaps | undefined;
    const { result } = await putEndpointFromFresh(this.ws, endpointPath(this.ws, endpoint), {
      ...this.#scope,
      onState: this.#stateLine(what, started),
      onConflict: (message) => this.opts.onProgress?.(`${what}: ${message}`),
      description: `the traffic update of ${what}`,
      build: (current) => {
        if (!current) return undefined;
        before = trafficOf(current);
        after = trafficWithout(endpoint, deployment, before);
        if (sameMap(before.traffic, after.traffic) && sameMap(before.mirrorTraffic, after.mirrorTraffic)) {
          return undefined;
        }
        const body = writableBody(current, 'endpoint');
        body.properties.traffic = after.traffic;
        body.properties.mirrorTraffic = after.mirrorTraffic;
        return body;
      },
    });
    if (!result || !before || !after) return;
    if (result.status !== 'Succeeded') {
      throw new ActionFailure(
        `moving the traffic of deployment '${deployment}' off ${what} ended ${result.status}: ${result.error?.message ?? 'Azure gave no details'}; the deployment was not deleted (${this.#where})`,
      );
    }
    const changes = [
      sameMap(before.traffic, after.traffic)
        ? ''
        : `traffic ${formatMap(before.traffic)} -> ${formatMap(after.traffic)}`,
      sameMap(before.mirrorTraffic, after.mirrorTraffic)
        ? ''
        : `mirror ${formatMap(before.mirrorTraffic)} -> ${formatMap(after.mirrorTraffic)}`,
    ].filter(Boolean);
    this.#step(`${what}: ${changes.join(', ')} (moved off '${deployment}', ${this.#seconds(started)})`);
  }

  /** A 404 only means "gone" when the workspace itself exists; otherwise it is a wrong workspace input. */
  async #noteMissing(entry: string, what: string, strict = true): Promise<void> {
    this.#workspaceChecked ??= this.ws.client.get(this.ws.path, this.#scope);
    await this.#workspaceChecked;
    this.result.missing.push(entry);
    if (strict) this.#missingReasons.push(`${what} does not exist in ${this.#where}`);
    this.#step(`${entry}: already gone`);
  }

  #noteDone(entries: string[], outcome: 'deleted' | 'deleting', what: string, started: number): void {
    this.result.deleted.push(...entries);
    if (outcome === 'deleting') {
      this.result.deleting.push(...entries);
      this.#step(`${what}: deleting (not waited for)`);
    } else {
      this.#step(`${what}: deleted (${this.#seconds(started)})`);
    }
  }

  #step(line: string): void {
    this.result.steps.push(line);
    this.opts.onProgress?.(line);
  }

  #seconds(since: number): string {
    return `${Math.round((this.opts.now() - since) / 1000)} s`;
  }

  #stateLine(what: string, started: number) {
    return (p: OperationProgress) =>
      this.opts.onProgress?.(`${what}: ${p.state} (${this.#seconds(started)})`);
  }
}

function checkRequest(request: DeleteRequest): void {
  if (request.deploymentName && !request.endpointName) {
    throw new UsageError('needs endpoint-name (the endpoint the deployment belongs to)', 'deployment-name');
  }
  if (request.sweep) {
    if (request.sweep.prefix.trim() === '') {
      throw new UsageError(
        'must not be empty: an empty prefix would sweep every endpoint',
        'endpoint-prefix',
      );
    }
    const hours = request.sweep.olderThanHours;
    if (!Number.isFinite(hours) || hours < 0) {
      throw new UsageError(`must be a number of hours, 0 or more (got ${hours})`, 'older-than-hours');
    }
  }
  if (request.model && (!request.model.name || !request.model.version)) {
    throw new UsageError('must be NAME:VERSION', 'delete-model');
  }
  if (!request.endpointName && !request.sweep && !request.model) {
    throw new UsageError(
      'name what to delete: endpoint-name, endpoint-prefix + older-than-hours, or delete-model',
      'endpoint-name',
    );
  }
}

/** A DELETE answered without anything to poll: it is already done. */
function isFinished(res: ArmResponse): boolean {
  return res.status === 200 && !res.headers.location && !res.headers['azure-asyncoperation'];
}

async function listDeploymentNames(
  ws: AzureWorkspace,
  endpoint: string,
  scope: { deadline: number; signal?: AbortSignal },
): Promise<string[] | undefined> {
  try {
    const deployments = await listDeployments(ws, endpoint, scope);
    return deployments.map((d) => d.name).filter((n): n is string => typeof n === 'string');
  } catch (error) {
    if (error instanceof AzureError && error.status === 404) return undefined;
    throw error;
  }
}

function inWorkspace(ws: AzureWorkspace): string {
  const ref = ws.ref;
  return `workspace '${ref.workspaceName}' (resource group '${ref.resourceGroup}', subscription '${ref.subscriptionId}')`;
}
