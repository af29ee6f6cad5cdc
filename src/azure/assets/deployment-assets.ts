// Everything a deployment refers to, in the SDK's order (code → environment → model): planned with reads
// only (so a dry run and the plan can show the final ids), then created by createMissingAssets.

import type { DeploymentSpec } from '../../config/spec.ts';
import type { DeploymentAssetIds } from '../bodies/online-deployment.ts';
import type { AzureWorkspace } from '../workspace.ts';
import type { AssetCallOptions } from './asset-versions.ts';
import { createCodeAsset, type PlannedCodeAsset, planCodeAsset } from './code-asset.ts';
import { createEnvironmentVersion, type PlannedEnvironment, planEnvironment } from './environment-asset.ts';
import { type ResolvedReference, resolveCodeReference, resolveModelReference } from './references.ts';

export interface PlannedAssets {
  ids: DeploymentAssetIds;
  model?: ResolvedReference;
  code?: { kind: 'asset'; asset: PlannedCodeAsset } | { kind: 'reference'; reference: ResolvedReference };
  environment?: PlannedEnvironment;
}

/** One line per asset for the plan: what is used, and what would be created. */
export interface AssetPlanLine {
  asset: 'model' | 'code' | 'environment';
  id: string;
  label: string;
  action: 'use' | 'reuse' | 'create';
}

export async function planDeploymentAssets(
  ws: AzureWorkspace,
  spec: DeploymentSpec,
  opts: AssetCallOptions & { followSymlinks?: boolean } = {},
): Promise<PlannedAssets> {
  const planned: PlannedAssets = { ids: {} };
  if (spec.code) {
    const ref = spec.code.code;
    if (ref.kind === 'path') {
      const asset = await planCodeAsset(ws, ref.path, opts);
      planned.code = { kind: 'asset', asset };
      planned.ids.codeId = asset.id;
    } else {
      const reference = await resolveCodeReference(ws, ref, spec.computeKind, opts);
      planned.code = { kind: 'reference', reference };
      planned.ids.codeId = reference.id;
    }
  }
  if (spec.environment) {
    planned.environment = await planEnvironment(ws, spec.environment, spec.computeKind, opts);
    planned.ids.environmentId = planned.environment.environmentId;
  }
  if (spec.model) {
    planned.model = await resolveModelReference(ws, spec.model, spec.computeKind, opts);
    planned.ids.model = planned.model.id;
  }
  return planned;
}

export function assetPlanLines(planned: PlannedAssets): AssetPlanLine[] {
  const lines: AssetPlanLine[] = [];
  if (planned.code?.kind === 'asset') {
    const a = planned.code.asset;
    lines.push({
      asset: 'code',
      id: a.id,
      label: `${a.name}:${a.version} (${a.files.length} files, ${a.totalBytes} bytes)`,
      action: a.exists ? 'reuse' : 'create',
    });
  } else if (planned.code) {
    lines.push({
      asset: 'code',
      id: planned.code.reference.id,
      label: planned.code.reference.label,
      action: 'use',
    });
  }
  const env = planned.environment;
  if (env) {
    lines.push({
      asset: 'environment',
      id: env.environmentId,
      label: env.label,
      action: env.kind === 'reference' ? 'use' : env.exists ? 'reuse' : 'create',
    });
  }
  if (planned.model)
    lines.push({ asset: 'model', id: planned.model.id, label: planned.model.label, action: 'use' });
  return lines;
}

export interface CreatedAssets {
  /** What was created, e.g. `code onlinescoring:3f2a…`. */
  created: string[];
  uploadedBytes: number;
}

/** Creates the code version and the environment version the plan found missing. */
export async function createMissingAssets(
  ws: AzureWorkspace,
  planned: PlannedAssets,
  opts: AssetCallOptions = {},
): Promise<CreatedAssets> {
  const result: CreatedAssets = { created: [], uploadedBytes: 0 };
  if (planned.code?.kind === 'asset' && !planned.code.asset.exists) {
    const a = planned.code.asset;
    const made = await createCodeAsset(ws, a, opts);
    result.uploadedBytes += made.uploadedBytes;
    result.created.push(`code ${a.name}:${a.version} (${made.uploadedFiles} files uploaded)`);
    a.exists = true;
  }
  const env = planned.environment;
  if (env?.kind === 'version' && !env.exists) {
    if (await createEnvironmentVersion(ws, env, opts))
      result.created.push(`environment ${env.name}:${env.version}`);
    env.exists = true;
  }
  return result;
}
