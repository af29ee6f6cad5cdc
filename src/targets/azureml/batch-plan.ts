// planBatchDeployment: desired batch endpoint and deployment vs what the workspace has (GET workspace,
// endpoint, deployments, assets) → what applyBatchPlan would create, change, and which deployment ends up the
// endpoint's default. Reads only; a dry run is this plan, printed. An unchanged re-run plans no write.

import {
  assetPlanLines,
  type PlannedAssets,
  planDeploymentAssets,
} from '../../azure/assets/deployment-assets.ts';
import { type BatchDeploymentBody, batchDeploymentBody } from '../../azure/bodies/batch-deployment.ts';
import { AUTH_MODE } from '../../azure/bodies/online-endpoint.ts';
import type { AzureWorkspace } from '../../azure/workspace.ts';
import type { DeploymentSpec } from '../../config/spec.ts';
import { UsageError } from '../../errors.ts';
import type { BatchDefaultRule } from '../batch-default.ts';
import {
  type BatchResource,
  defaultDeploymentOf,
  getBatchEndpoint,
  listBatchDeployments,
} from './batch-resources.ts';
import { type BatchSpecs, requireCompute } from './batch-spec.ts';
import { diffBody } from './body-diff.ts';
import {
  getEndpoint,
  isTerminal,
  provisioningStateOf,
  type RequestScope,
  workspaceLocation,
  writableBody,
} from './online-resources.ts';
import { deploymentSpecHash, type ResourceAction, SPEC_HASH_TAG } from './plan.ts';

export interface BatchPlan {
  endpointName: string;
  deploymentName: string;
  location: string;
  endpoint: {
    action: ResourceAction;
    changes: string[];
    state: string | undefined;
    /** The endpoint's settings as a PUT body, without `defaults` (applied over a fresh GET when updating). */
    settings: BatchSpecs['endpoint'];
  };
  deployment: {
    action: ResourceAction;
    changes: string[];
    state: string | undefined;
    body: BatchDeploymentBody;
  };
  assets: PlannedAssets;
  /** The endpoint's default deployment before and after this run. */
  defaults: { before: string | undefined; after: string | undefined; changes: boolean };
  existingDeployments: string[];
  changed: boolean;
  notes: string[];
}

export async function planBatchDeployment(
  ws: AzureWorkspace,
  specs: BatchSpecs,
  rule: BatchDefaultRule,
  opts: RequestScope & { followSymlinks?: boolean } = {},
): Promise<BatchPlan> {
  const endpointName = specs.endpoint.name;
  const spec = requireCompute(specs.deployment);
  const deploymentName = spec.name;
  const notes: string[] = [];

  const location = await workspaceLocation(ws, opts);
  const current = await getBatchEndpoint(ws, endpointName, opts);
  if (!current && (await getEndpoint(ws, endpointName, opts))) {
    throw new UsageError(
      `'${endpointName}' is an online endpoint in workspace ${ws.ref.workspaceName}; a batch deployment needs a batch endpoint (choose another endpoint name)`,
      'endpoint-name',
    );
  }
  const deployments = current ? await listBatchDeployments(ws, endpointName, opts) : [];
  const names = deployments.map((d) => (d.name ?? '').toLowerCase()).filter(Boolean);

  // The asset planner reads the model, code and environment; batch deployments run on managed compute.
  const assets = await planDeploymentAssets(
    ws,
    { ...spec, computeKind: 'managed', appInsightsEnabled: false } as DeploymentSpec,
    { ...opts, ...(opts.followSymlinks ? { followSymlinks: true } : {}) },
  );
  if (assets.code?.kind === 'asset' && assets.code.asset.warning) notes.push(assets.code.asset.warning);
  if (!spec.code) {
    notes.push(
      `${deploymentName} has no scoring script: a no-code deployment, for MLflow models (the service brings the batch driver)`,
    );
  }
  const body = batchDeploymentBody(spec, assets.ids, { location, workspacePath: ws.path });
  const existing = deployments.find((d) => (d.name ?? '').toLowerCase() === deploymentName);
  const deployment = planDeploymentBody(body, existing);

  const before = defaultDeploymentOf(current);
  let after = before;
  if (rule.kind === 'this') after = deploymentName;
  if (rule.kind === 'named') {
    if (!names.includes(rule.name)) {
      throw new UsageError(
        `the endpoint file makes '${rule.name}' the default deployment, but endpoint '${endpointName}' has no such deployment (deploy it first, or set traffic: all to make '${deploymentName}' the default)`,
        'endpoint-file',
      );
    }
    after = rule.name;
  }
  if (!after) {
    notes.push(
      `traffic: none on an endpoint without a default deployment: jobs must name '${deploymentName}' (deployment-name) until a default is set`,
    );
  }

  const endpoint = planEndpoint(specs.endpoint, current);
  const assetWrites = assetPlanLines(assets).some((line) => line.action === 'create');
  const defaultsChange = (after ?? '') !== (before ?? '');
  return {
    endpointName,
    deploymentName,
    location,
    endpoint: { ...endpoint, state: provisioningStateOf(current), settings: specs.endpoint },
    deployment: { ...deployment, state: provisioningStateOf(existing), body },
    assets,
    defaults: { before, after, changes: defaultsChange },
    existingDeployments: names,
    changed: assetWrites || endpoint.action !== 'none' || deployment.action !== 'none' || defaultsChange,
    notes,
  };
}

/** The endpoint's settings (not its default) over what is there; a new endpoint is created without a default. */
function planEndpoint(
  settings: BatchSpecs['endpoint'],
  current: BatchResource | undefined,
): { action: ResourceAction; changes: string[] } {
  if (!current) return { action: 'create', changes: ['(new endpoint)'] };
  const writable = writableBody(current, 'endpoint');
  const changes = diffBody(applyBatchEndpointSettings(structuredClone(writable), settings), writable);
  const state = provisioningStateOf(current);
  if (isFailed(state)) changes.push(`provisioningState ${state}: re-applied`);
  return { action: changes.length ? 'update' : 'none', changes };
}

/** Writes the described settings into a writable endpoint body (its `defaults` stay as they are). */
export function applyBatchEndpointSettings(body: BatchResource, s: BatchSpecs['endpoint']): BatchResource {
  const p = body.properties;
  p['authMode'] = AUTH_MODE[s.authMode];
  if (s.description !== undefined) p['description'] = s.description;
  body.tags = { ...s.tags };
  p.properties = { ...(p.properties ?? {}), ...s.properties };
  return body;
}

/**
 * Create, or update when the body differs from what is there. As for online deployments, a hash of the whole
 * body in a tag catches settings removed from the YAML (the service keeps those). The model reference is
 * compared as an id, without case.
 */
function planDeploymentBody(
  body: BatchDeploymentBody,
  existing: BatchResource | undefined,
): { action: ResourceAction; changes: string[] } {
  const specHash = deploymentSpecHash(body);
  body.tags = { ...body.tags, [SPEC_HASH_TAG]: specHash };
  if (!existing) return { action: 'create', changes: ['(new deployment)'] };
  const comparable = (b: { tags?: Record<string, string>; properties: Record<string, unknown> }) => {
    const { [SPEC_HASH_TAG]: _h, ...tags } = b.tags ?? {};
    const model = b.properties['model'] as { assetId?: string } | undefined;
    return {
      ...b,
      tags,
      properties: { ...b.properties, ...(model ? { model: model.assetId ?? '' } : {}) },
    };
  };
  const changes = diffBody(comparable(body), comparable(existing as BatchResource));
  const recorded = existing.tags?.[SPEC_HASH_TAG];
  if (changes.length === 0 && recorded !== undefined && recorded !== specHash) {
    changes.push('settings removed from the deployment spec since the last deploy');
  }
  const state = provisioningStateOf(existing);
  if (isFailed(state)) changes.push(`provisioningState ${state}: re-applied`);
  return { action: changes.length ? 'update' : 'none', changes };
}

function isFailed(state: string | undefined): boolean {
  return isTerminal(state) && state?.toLowerCase() !== 'succeeded';
}

/** The plan as JSON for the `plan` output. */
export function summarizeBatchPlan(plan: BatchPlan) {
  return {
    target: 'azureml',
    endpointKind: 'batch',
    endpoint: { name: plan.endpointName, action: plan.endpoint.action, changes: plan.endpoint.changes },
    deployment: {
      name: plan.deploymentName,
      action: plan.deployment.action,
      changes: plan.deployment.changes,
    },
    assets: assetPlanLines(plan.assets),
    defaultDeployment: { before: plan.defaults.before ?? null, after: plan.defaults.after ?? null },
    changed: plan.changed,
    notes: plan.notes,
  };
}

/** The plan in words, one line each. */
export function describeBatchPlan(plan: BatchPlan): string[] {
  const verb = (a: ResourceAction) => (a === 'create' ? 'create' : a === 'update' ? 'update' : 'keep');
  const lines = assetPlanLines(plan.assets).map((l) => `${l.action} ${l.asset} ${l.label}`);
  lines.push(
    `${verb(plan.endpoint.action)} batch endpoint ${plan.endpointName}` +
      (plan.endpoint.action === 'update' ? ` (${plan.endpoint.changes.join(', ')})` : ''),
    `${verb(plan.deployment.action)} batch deployment ${plan.deploymentName}` +
      (plan.deployment.action === 'update' ? ` (${plan.deployment.changes.join(', ')})` : ''),
    plan.defaults.changes
      ? `default deployment ${plan.defaults.before ?? '(none)'} -> ${plan.defaults.after}`
      : `default deployment stays ${plan.defaults.before ?? '(none)'}`,
  );
  for (const note of plan.notes) lines.push(`note: ${note}`);
  if (!plan.changed) lines.push('nothing to do');
  return lines;
}
