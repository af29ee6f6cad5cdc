// planDeployment: desired (normalized specs + traffic strategy) vs current (GET endpoint, its deployments,
// the assets) → what applyPlan would create, change and shift. Reads only; every rule that can refuse the
// run (compute kind, create-only fields, traffic and mirror rules) is checked here, before any write. A
// dry run is this plan, printed.

import { createHash } from 'node:crypto';
import {
  assetPlanLines,
  type PlannedAssets,
  planDeploymentAssets,
} from '../../azure/assets/deployment-assets.ts';
import { computeId } from '../../azure/bodies/arm-ids.ts';
import { onlineDeploymentBody } from '../../azure/bodies/online-deployment.ts';
import { AUTH_MODE, identityBody, onlineEndpointBody } from '../../azure/bodies/online-endpoint.ts';
import type { OnlineDeploymentBody, TrafficMap } from '../../azure/bodies/types.ts';
import type { AzureWorkspace } from '../../azure/workspace.ts';
import type { ComputeKind, DeploymentSpec, EndpointSpec } from '../../config/spec.ts';
import { UsageError } from '../../errors.ts';
import { describeBodyChanges } from './body-diff.ts';
import {
  getEndpoint,
  isTerminal,
  listDeployments,
  type OnlineResource,
  provisioningStateOf,
  type RequestScope,
  trafficOf,
  workspaceLocation,
  writableBody,
} from './online-resources.ts';
import {
  decideTraffic,
  formatMap,
  formatStrategy,
  type TrafficDecision,
  type TrafficMaps,
  type TrafficStrategy,
} from './traffic.ts';

/** Tag holding a hash of the deployment body this toolkit last sent. */
export const SPEC_HASH_TAG = 'azureml-deploy.spec-hash';

/** SHA-256 (16 hex) of a deployment body with stable key order, without the spec-hash tag itself. */
export function deploymentSpecHash(body: { tags?: Record<string, string> }): string {
  const { [SPEC_HASH_TAG]: _own, ...tags } = body.tags ?? {};
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v as Record<string, unknown>)
              .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
              .map(([k, x]) => [k, canonical(x)]),
          )
        : v;
  return createHash('sha256')
    .update(JSON.stringify(canonical({ ...body, tags })))
    .digest('hex')
    .slice(0, 16);
}

export interface DesiredDeployment {
  /** What the endpoint file / inputs say. Fields left out keep the endpoint's current value (or the
   * az ml default on creation: auth key, identity SystemAssigned). */
  endpoint: Partial<EndpointSpec> & { name: string };
  deployment: DeploymentSpec;
  /** The `traffic` input. Default: the endpoint file's `traffic:` as an explicit map, else `all`. */
  traffic?: TrafficStrategy;
  /** The `mirror-traffic` input (replaces the mirror map). Default: the endpoint file's, else unchanged. */
  mirrorTraffic?: TrafficMap;
  /**
   * With no `traffic`: when the endpoint already serves another deployment, bring this one up at 0 %, smoke
   * test it, then give it the traffic (blue-green). Decided here, from the endpoint read the plan makes anyway.
   */
  gateWhenServing?: boolean;
  /** Include what symlinks leaving the code folder point at (else they are refused). */
  followSymlinks?: boolean;
  /**
   * A check before the model exists (an inline model is planned without it, then uploaded): every rule runs
   * except the ones that depend on whether the deployment's body changes, which the real plan checks.
   */
  precheck?: boolean;
  /** progressive: a mirror phase before the first step (mirror-first-seconds > 0). */
  mirrorFirst?: boolean;
}

export type ResourceAction = 'create' | 'update' | 'none';

export interface DeploymentPlan {
  endpointName: string;
  deploymentName: string;
  computeKind: ComputeKind;
  location: string;
  strategy: TrafficStrategy;
  endpoint: {
    action: ResourceAction;
    /** Changed fields (`properties.authMode`, `tags`, ...). */
    changes: string[];
    /** Its provisioningState when the plan was made (undefined: it does not exist). */
    state: string | undefined;
    /** The settings the endpoint should have: applied over a fresh GET before every endpoint PUT. */
    settings: Partial<EndpointSpec>;
  };
  deployment: {
    action: ResourceAction;
    changes: string[];
    state: string | undefined;
    body: OnlineDeploymentBody;
  };
  assets: PlannedAssets;
  traffic: TrafficDecision;
  /** The endpoint's traffic and mirror maps before this run, exactly: what restoreTraffic puts back. */
  previous: TrafficMaps;
  /** Deployments the endpoint had when the plan was made. */
  existingDeployments: string[];
  /** Anything to write at all (false: a re-run with nothing to do). */
  changed: boolean;
  notes: string[];
}

export async function planDeployment(
  ws: AzureWorkspace,
  desired: DesiredDeployment,
  opts: RequestScope = {},
): Promise<DeploymentPlan> {
  const endpointName = desired.endpoint.name.toLowerCase();
  const spec = desired.deployment;
  const deploymentName = spec.name.toLowerCase();
  const computeKind = checkNames(desired, endpointName);

  const location = await workspaceLocation(ws, opts);
  const current = await getEndpoint(ws, endpointName, opts);
  const deployments = current ? await listDeployments(ws, endpointName, opts) : [];
  const notes: string[] = [];
  checkCompute(desired, computeKind, endpointName, current);

  const assets = await planDeploymentAssets(ws, spec, {
    ...opts,
    ...(desired.followSymlinks ? { followSymlinks: true } : {}),
  });
  if (assets.code?.kind === 'asset' && assets.code.asset.warning) notes.push(assets.code.asset.warning);
  const settings = { ...desired.endpoint, computeKind };
  const endpoint = planEndpoint(ws, settings, current);
  const body = onlineDeploymentBody(spec, assets.ids, location);
  const existing = deployments.find((d) => (d.name ?? '').toLowerCase() === deploymentName);
  const deployment = planDeploymentBody(body, existing, deploymentName);

  const existingNames = deployments.map((d) => (d.name ?? '').toLowerCase()).filter(Boolean);
  const before = trafficOf(current);
  const strategy = chooseStrategy(desired, before.traffic, endpointName, deploymentName, notes);
  const mirror = desired.mirrorTraffic ?? desired.endpoint.mirrorTraffic;
  const traffic = decideTraffic({
    strategy,
    ...(mirror !== undefined ? { mirror } : {}),
    current: before,
    deployment: deploymentName,
    deployments: [...new Set([...existingNames, deploymentName])],
    kubernetes: computeKind === 'kubernetes',
    deploymentChanges: !desired.precheck && deployment.action !== 'none',
    ...(desired.mirrorFirst ? { mirrorFirst: true } : {}),
  });
  notes.push(...traffic.notes);
  if (strategy.kind === 'none' && !Object.values(traffic.after.traffic).some((v) => v > 0)) {
    notes.push(`traffic: none: '${deploymentName}' receives no traffic until the traffic is set`);
  }

  const assetWrites = assetPlanLines(assets).some((line) => line.action === 'create');
  return {
    endpointName,
    deploymentName,
    computeKind,
    location,
    strategy,
    endpoint: { ...endpoint, state: provisioningStateOf(current), settings },
    deployment: { ...deployment, state: provisioningStateOf(existing), body },
    assets,
    traffic,
    previous: before,
    existingDeployments: existingNames,
    changed: assetWrites || endpoint.action !== 'none' || deployment.action !== 'none' || traffic.changes,
    notes,
  };
}

/** The deployment's endpoint is this endpoint, and both are of one compute kind (which this returns). */
function checkNames(desired: DesiredDeployment, endpointName: string): ComputeKind {
  const spec = desired.deployment;
  if (spec.endpointName && spec.endpointName.toLowerCase() !== endpointName) {
    throw new UsageError(
      `the deployment names endpoint '${spec.endpointName}', but the endpoint is '${desired.endpoint.name}'`,
      'endpoint-name',
    );
  }
  const computeKind = desired.endpoint.computeKind ?? spec.computeKind;
  if (spec.computeKind !== computeKind) {
    throw new UsageError(
      `a ${spec.computeKind} deployment cannot go to a ${computeKind} endpoint`,
      spec.computeKind === 'kubernetes' ? 'compute-name' : 'deployment-file',
    );
  }
  return computeKind;
}

/** An existing endpoint keeps its compute kind; a new Kubernetes one needs its compute; aad_token is managed-only. */
function checkCompute(
  desired: DesiredDeployment,
  computeKind: ComputeKind,
  endpointName: string,
  current: OnlineResource | undefined,
): void {
  if (current) {
    const currentKind: ComputeKind = current.properties.compute ? 'kubernetes' : 'managed';
    if (currentKind !== computeKind) {
      throw new UsageError(
        `endpoint '${endpointName}' exists as a ${currentKind} endpoint; a ${computeKind} deployment cannot go to it`,
        'endpoint-name',
      );
    }
  } else if (computeKind === 'kubernetes' && !desired.endpoint.compute) {
    throw new UsageError(
      `creating the Kubernetes endpoint '${endpointName}' needs its attached compute: give compute-name (or compute: in the endpoint file)`,
      'compute-name',
    );
  }
  if (computeKind === 'kubernetes' && desired.endpoint.authMode === 'aad_token') {
    throw new UsageError('aad_token auth is for managed online endpoints only', 'endpoint-file');
  }
}

/** Create with the az ml defaults, or the described settings over what is there. */
function planEndpoint(
  ws: AzureWorkspace,
  settings: Partial<EndpointSpec>,
  current: OnlineResource | undefined,
): { action: ResourceAction; changes: string[] } {
  if (!current) return { action: 'create', changes: ['(new endpoint)'] };
  const writable = writableBody(current, 'endpoint');
  const changes = describeBodyChanges(
    applyEndpointSettings(structuredClone(writable), settings, ws.path),
    writable,
  );
  const state = provisioningStateOf(current);
  if (isFailedState(state)) changes.push(`provisioningState ${state}: re-applied`);
  return { action: changes.length ? 'update' : 'none', changes };
}

/**
 * Create, or update when the body we would send differs from what is there. Field comparison only sees what
 * we send, so a setting removed from the YAML would go unnoticed (the service keeps it): a hash of the whole
 * body, kept in a tag (added to `body` here), catches that.
 */
function planDeploymentBody(
  body: OnlineDeploymentBody,
  existing: OnlineResource | undefined,
  deploymentName: string,
): { action: ResourceAction; changes: string[] } {
  const specHash = deploymentSpecHash(body);
  body.tags = { ...body.tags, [SPEC_HASH_TAG]: specHash };
  if (!existing) return { action: 'create', changes: ['(new deployment)'] };
  const oldType = existing.properties.instanceType;
  const newType = body.properties.instanceType;
  if (
    typeof oldType === 'string' &&
    newType !== undefined &&
    oldType.toLowerCase() !== newType.toLowerCase()
  ) {
    throw new UsageError(
      `deployment '${deploymentName}' runs on ${oldType}; the instance type of a deployment cannot change (${oldType} -> ${newType}): deploy it under a new deployment-name`,
      'instance-type',
    );
  }
  // The spec-hash tag is compared on its own below, not as a tag change.
  const withoutSpecTag = <T extends { tags?: Record<string, string> }>(b: T): T => {
    const { [SPEC_HASH_TAG]: _h, ...tags } = b.tags ?? {};
    return { ...b, tags };
  };
  const changes = describeBodyChanges(
    withoutSpecTag(body),
    withoutSpecTag(existing as typeof existing & { tags?: Record<string, string> }),
  );
  const recorded = (existing as { tags?: Record<string, string> }).tags?.[SPEC_HASH_TAG];
  if (changes.length === 0 && recorded !== undefined && recorded !== specHash) {
    changes.push('settings removed from the deployment spec since the last deploy');
  }
  const state = provisioningStateOf(existing);
  if (isFailedState(state)) changes.push(`provisioningState ${state}: re-applied`);
  return { action: changes.length ? 'update' : 'none', changes };
}

/** The `traffic` input, else the pipeline's gate on a serving endpoint, else the endpoint file's map, else all. */
function chooseStrategy(
  desired: DesiredDeployment,
  current: TrafficMap,
  endpointName: string,
  deploymentName: string,
  notes: string[],
): TrafficStrategy {
  if (desired.traffic) return desired.traffic;
  if (desired.gateWhenServing) {
    const serving = Object.entries(current).filter(([, percent]) => percent > 0);
    if (serving.length > 0 && !serving.some(([name]) => name.toLowerCase() === deploymentName)) {
      notes.push(
        `${endpointName} already serves traffic: ${deploymentName} is smoke tested at 0 % before it takes over`,
      );
      return { kind: 'blue-green' };
    }
  }
  return desired.endpoint.traffic && Object.keys(desired.endpoint.traffic).length
    ? { kind: 'explicit', map: desired.endpoint.traffic }
    : { kind: 'all' };
}

/** The endpoint PUT body: the described settings over `base` (a writable GET body, or a new endpoint). */
export function endpointPutBody(
  ws: AzureWorkspace,
  plan: Pick<DeploymentPlan, 'endpointName' | 'location' | 'computeKind' | 'endpoint'>,
  current: OnlineResource | undefined,
  maps: TrafficMaps,
): Record<string, unknown> {
  const settings = plan.endpoint.settings;
  const body: OnlineResource = current
    ? applyEndpointSettings(writableBody(current, 'endpoint'), settings, ws.path)
    : (onlineEndpointBody(newEndpointSpec(plan.endpointName, plan.computeKind, settings), {
        location: plan.location,
        workspacePath: ws.path,
      }) as unknown as OnlineResource);
  body.properties.traffic = { ...maps.traffic };
  body.properties.mirrorTraffic = { ...maps.mirrorTraffic };
  return body;
}

function newEndpointSpec(name: string, computeKind: ComputeKind, s: Partial<EndpointSpec>): EndpointSpec {
  return {
    name,
    computeKind,
    authMode: s.authMode ?? 'key',
    tags: s.tags ?? {},
    properties: s.properties ?? {},
    ...(s.description !== undefined ? { description: s.description } : {}),
    ...(s.publicNetworkAccess !== undefined ? { publicNetworkAccess: s.publicNetworkAccess } : {}),
    ...(s.compute !== undefined ? { compute: s.compute } : {}),
    ...(s.identity !== undefined ? { identity: s.identity } : {}),
  };
}

/** Writes the described endpoint settings into a writable body (fields not described stay as they are). */
function applyEndpointSettings(
  body: OnlineResource,
  s: Partial<EndpointSpec>,
  workspacePath: string,
): OnlineResource {
  const p = body.properties;
  if (s.authMode) p.authMode = AUTH_MODE[s.authMode];
  if (s.description !== undefined) p.description = s.description;
  if (s.tags) body.tags = { ...s.tags };
  if (s.properties) p.properties = { ...(p.properties ?? {}), ...s.properties };
  if (s.publicNetworkAccess)
    p.publicNetworkAccess = s.publicNetworkAccess === 'enabled' ? 'Enabled' : 'Disabled';
  if (s.compute && p.compute !== undefined) p.compute = computeId(workspacePath, s.compute);
  if (s.identity) body.identity = identityBody(s.identity) as OnlineResource['identity'];
  return body;
}

function isFailedState(state: string | undefined): boolean {
  return isTerminal(state) && state?.toLowerCase() !== 'succeeded';
}

/** The plan as JSON for the `plan` output and the job summary. */
export interface PlanSummary {
  target: 'azureml';
  endpoint: { name: string; action: ResourceAction; changes: string[]; computeKind: ComputeKind };
  deployment: { name: string; action: ResourceAction; changes: string[] };
  assets: ReturnType<typeof assetPlanLines>;
  traffic: {
    strategy: string;
    before: TrafficMap;
    after: TrafficMap;
    mirrorBefore: TrafficMap;
    mirrorAfter: TrafficMap;
    shift: boolean;
    smokeGate: boolean;
    /** progressive: the traffic map of each step. */
    steps?: TrafficMap[];
  };
  changed: boolean;
  notes: string[];
}

export function summarizePlan(plan: DeploymentPlan): PlanSummary {
  return {
    target: 'azureml',
    endpoint: {
      name: plan.endpointName,
      action: plan.endpoint.action,
      changes: plan.endpoint.changes,
      computeKind: plan.computeKind,
    },
    deployment: {
      name: plan.deploymentName,
      action: plan.deployment.action,
      changes: plan.deployment.changes,
    },
    assets: assetPlanLines(plan.assets),
    traffic: {
      strategy: formatStrategy(plan.strategy),
      before: plan.traffic.before.traffic,
      after: plan.traffic.after.traffic,
      mirrorBefore: plan.traffic.before.mirrorTraffic,
      mirrorAfter: plan.traffic.after.mirrorTraffic,
      shift: plan.traffic.changes,
      smokeGate: plan.traffic.gated,
      ...(plan.traffic.steps ? { steps: plan.traffic.steps.map((step) => step.traffic) } : {}),
    },
    changed: plan.changed,
    notes: plan.notes,
  };
}

/** The plan in words, one line each, for logs and dry runs. */
export function describePlan(plan: DeploymentPlan): string[] {
  const lines: string[] = [];
  const verb = (a: ResourceAction) => (a === 'create' ? 'create' : a === 'update' ? 'update' : 'keep');
  for (const line of assetPlanLines(plan.assets)) {
    lines.push(`${line.action} ${line.asset} ${line.label}`);
  }
  lines.push(
    `${verb(plan.endpoint.action)} ${plan.computeKind} endpoint ${plan.endpointName}` +
      (plan.endpoint.action === 'update' ? ` (${plan.endpoint.changes.join(', ')})` : ''),
  );
  lines.push(
    `${verb(plan.deployment.action)} deployment ${plan.deploymentName}` +
      (plan.deployment.action === 'update' ? ` (${plan.deployment.changes.join(', ')})` : ''),
  );
  const t = plan.traffic;
  if (t.steps) {
    lines.push(
      `smoke test, then shift traffic in ${t.steps.length} step(s), each gated on ${plan.deploymentName} against the serving deployment: ${[...(t.mirrorFirst ? [`mirror ${formatMap(t.mirrorFirst.mirrorTraffic)}`] : []), ...t.steps.map((s) => formatMap(s.traffic))].join(' -> ')}`,
    );
  } else if (t.changes) {
    lines.push(
      `${t.gated ? 'smoke test, then ' : ''}shift traffic ${formatMap(t.before.traffic)} -> ${formatMap(t.after.traffic)}` +
        (JSON.stringify(t.before.mirrorTraffic) !== JSON.stringify(t.after.mirrorTraffic)
          ? `; mirror ${formatMap(t.before.mirrorTraffic)} -> ${formatMap(t.after.mirrorTraffic)}`
          : ''),
    );
  } else {
    lines.push(`traffic stays ${formatMap(t.before.traffic)}`);
  }
  for (const note of plan.notes) lines.push(`note: ${note}`);
  if (!plan.changed) lines.push('nothing to do');
  return lines;
}
