// delete-service on Azure ML: delete one deployment (refused while it carries traffic unless forced, which
// moves its traffic to the other deployments first), an endpoint with its deployments, stale endpoints by
// prefix and age (sweep), and archive or delete a model version. DELETEs of endpoints and deployments are
// long-running (202 + Location, polled until the resource answers 404); 204 or 404 means "already gone".
// Everything that can refuse the run is checked before the first write.

import type { ArmResponse } from '../../azure/arm-client.ts';
import { AzureError } from '../../azure/errors.ts';
import { type OperationProgress, waitForOperation } from '../../azure/lro.ts';
import type { AzureWorkspace } from '../../azure/workspace.ts';
import { ActionFailure, errorMessage, UsageError } from '../../errors.ts';
import { AzureModelRegistry } from '../../registry/azureml-registry.ts';
import { MissingResourceError } from '../target.ts';
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
import { putAndWait, waitUntilSettled } from './online-writes.ts';
import { formatMap, sameMap } from './traffic.ts';

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
  const result: DeleteResult = { deleted: [], deleting: [], missing: [], steps: [] };
  const missingReasons: string[] = [];
  const scope = { deadline: opts.deadline, ...(opts.signal ? { signal: opts.signal } : {}) };
  const where = inWorkspace(ws);
  const step = (line: string) => {
    result.steps.push(line);
    opts.onProgress?.(line);
  };
  const seconds = (since: number) => `${Math.round((opts.now() - since) / 1000)} s`;
  const stateLine = (what: string, started: number) => (p: OperationProgress) =>
    opts.onProgress?.(`${what}: ${p.state} (${seconds(started)})`);

  // A 404 only means "gone" when the workspace itself exists; otherwise it is a wrong workspace input.
  let workspaceChecked: Promise<unknown> | undefined;
  const confirmWorkspace = () => {
    workspaceChecked ??= ws.client.get(ws.path, scope);
    return workspaceChecked;
  };
  const noteMissing = async (entry: string, what: string, strict = true) => {
    await confirmWorkspace();
    result.missing.push(entry);
    if (strict) missingReasons.push(`${what} does not exist in ${where}`);
    step(`${entry}: already gone`);
  };
  const noteDone = (entries: string[], outcome: 'deleted' | 'deleting', what: string, started: number) => {
    result.deleted.push(...entries);
    if (outcome === 'deleting') {
      result.deleting.push(...entries);
      step(`${what}: deleting (not waited for)`);
    } else {
      step(`${what}: deleted (${seconds(started)})`);
    }
  };

  /** DELETE and, with wait, poll until the resource is gone. */
  const deleteResource = async (path: string, what: string): Promise<Outcome> => {
    const started = opts.now();
    const initial = await ws.client.delete(path, { ...scope, allowStatus: [404] });
    if (initial.status === 404 || initial.status === 204) return 'missing';
    if (!request.wait) return isFinished(initial) ? 'deleted' : 'deleting';
    const done = await waitForOperation(initial, {
      client: ws.client,
      resourceUrl: path,
      ...scope,
      onProgress: stateLine(what, started),
      description: what,
    });
    if (done.status !== 'Succeeded') {
      throw new ActionFailure(
        `deleting ${what} ended ${done.status}: ${done.error?.message ?? 'Azure gave no details'} (${where})`,
      );
    }
    return 'deleted';
  };

  const deleteEndpoint = async (name: string, sweeping: boolean) => {
    const entry = `endpoint:${name}`;
    const what = `online endpoint '${name}'`;
    const started = opts.now();
    // Listed first so `deleted` names the deployments that go with it, as on the local target.
    const deployments = await listDeploymentNames(ws, name, scope);
    const outcome = await deleteResource(endpointPath(ws, name), what);
    if (outcome === 'missing') return noteMissing(entry, what, !sweeping);
    noteDone([...(deployments ?? []).map((d) => `deployment:${name}/${d}`), entry], outcome, what, started);
  };

  const deleteDeployment = async (endpoint: string, name: string) => {
    const entry = `deployment:${endpoint}/${name}`;
    const what = `online deployment '${name}' of endpoint '${endpoint}'`;
    const started = opts.now();
    const epPath = endpointPath(ws, endpoint);
    // The traffic maps are read once the endpoint is not mid-update, so the decision below is on final maps.
    const settled = await waitUntilSettled(ws, epPath, {
      ...scope,
      onState: (p) =>
        opts.onProgress?.(`online endpoint '${endpoint}': ${p.state} (waiting for it to settle)`),
    });
    const ep = settled?.resource;
    if (!ep) return noteMissing(entry, `online endpoint '${endpoint}' (so its deployment '${name}')`);
    if (!(await getDeployment(ws, endpoint, name, scope))) return noteMissing(entry, what);

    const maps = trafficOf(ep);
    const carried = trafficCarried(maps, name);
    if (carried.live > 0 || carried.mirror > 0) {
      if (!request.force) refuseWhileServing(endpoint, name, maps);
      await moveTrafficAway(ep, endpoint, name, trafficWithout(endpoint, name, maps));
    }
    const outcome = await deleteResource(deploymentPath(ws, endpoint, name), what);
    if (outcome === 'missing') return noteMissing(entry, what);
    noteDone([entry], outcome, what, started);
  };

  const moveTrafficAway = async (
    ep: OnlineResource,
    endpoint: string,
    deployment: string,
    after: ReturnType<typeof trafficWithout>,
  ) => {
    const before = trafficOf(ep);
    const started = opts.now();
    const body = writableBody(ep, 'endpoint');
    body.properties.traffic = after.traffic;
    body.properties.mirrorTraffic = after.mirrorTraffic;
    const what = `online endpoint '${endpoint}'`;
    opts.onProgress?.(`${what}: moving the traffic of '${deployment}' before deleting it`);
    const done = await putAndWait(ws, endpointPath(ws, endpoint), body, {
      ...scope,
      onState: stateLine(what, started),
      description: `the traffic update of ${what}`,
    });
    if (done.status !== 'Succeeded') {
      throw new ActionFailure(
        `moving the traffic of deployment '${deployment}' off ${what} ended ${done.status}: ${done.error?.message ?? 'Azure gave no details'}; the deployment was not deleted (${where})`,
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
    step(`${what}: ${changes.join(', ')} (moved off '${deployment}', ${seconds(started)})`);
  };

  if (request.endpointName && request.deploymentName) {
    await deleteDeployment(request.endpointName, request.deploymentName);
  } else if (request.endpointName) {
    await deleteEndpoint(request.endpointName, false);
  }

  if (request.sweep) {
    const rule = request.sweep;
    const listed = await ws.client.listAll<OnlineResource>(`${ws.path}/onlineEndpoints`, scope);
    const { stale, kept } = selectStaleEndpoints(listed, rule, opts.now());
    for (const line of kept) opts.onProgress?.(`sweep: ${line}`);
    const named = request.endpointName?.toLowerCase();
    const targets = stale.filter((c) => c.name.toLowerCase() !== named);
    step(
      targets.length
        ? `sweep: ${targets.length} endpoint(s) named ${rule.prefix}* older than ${rule.olderThanHours} h: ${targets.map((c) => `${c.name} (created ${new Date(c.createdAt).toISOString()})`).join(', ')}`
        : `sweep: no endpoint named ${rule.prefix}* is older than ${rule.olderThanHours} h`,
    );
    const failures = await forEachLimited(
      targets,
      opts.sweepConcurrency ?? DEFAULT_SWEEP_CONCURRENCY,
      (candidate) => deleteEndpoint(candidate.name, true),
    );
    opts.signal?.throwIfAborted();
    if (failures.length) {
      throw new ActionFailure(
        `sweep: ${failures.length} of ${targets.length} endpoint(s) could not be deleted: ${failures.map((f) => `${f.item.name}: ${errorMessage(f.error)}`).join('; ')}`,
      );
    }
  }

  if (request.model) {
    const { name, version, action } = request.model;
    const entry = `model:${name}:${version}`;
    const what = `model '${name}' version '${version}'`;
    opts.signal?.throwIfAborted();
    const registry = new AzureModelRegistry(ws);
    const found =
      action === 'archive' ? await registry.archive(name, version) : await registry.delete(name, version);
    if (!found) await noteMissing(entry, what);
    else {
      result.deleted.push(entry);
      step(`${what}: ${action === 'archive' ? 'archived' : 'deleted'}`);
    }
  }

  if (missingReasons.length && !request.ignoreMissing) {
    throw new MissingResourceError(
      `${missingReasons.join('; ')} (set ignore-missing: true to accept that)`,
      result,
    );
  }
  return result;
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
