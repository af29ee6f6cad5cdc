// Model and code references → the ids a deployment body sends (yaml reference §3): `name:version` is
// formatted (and checked to exist, so a typo fails before anything is written), `@latest` resolves to the
// most recently created version, ARM ids and registry ids pass through (registry ids are rejected for
// Kubernetes deployments, as the SDK does).

import type { CodeRef, ComputeKind, ModelRef } from '../../config/spec.ts';
import { UsageError } from '../../errors.ts';
import { assetVersionId } from '../bodies/arm-ids.ts';
import type { AzureWorkspace } from '../workspace.ts';
import { type AssetCallOptions, getAssetVersion, latestAssetVersion } from './asset-versions.ts';

export interface ResolvedReference {
  id: string;
  /** How it reads in the plan: `azureml:m:3 (@latest)`. */
  label: string;
}

export async function resolveModelReference(
  ws: AzureWorkspace,
  ref: ModelRef,
  computeKind: ComputeKind,
  opts: AssetCallOptions = {},
): Promise<ResolvedReference> {
  switch (ref.kind) {
    case 'version': {
      if (!(await getAssetVersion(ws, 'models', ref.name, ref.version, opts))) {
        throw new UsageError(
          `model ${ref.name}:${ref.version} does not exist in workspace ${ws.ref.workspaceName}`,
          'model',
        );
      }
      return {
        id: assetVersionId(ws.path, 'models', ref.name, ref.version),
        label: `azureml:${ref.name}:${ref.version}`,
      };
    }
    case 'latest': {
      const latest = await latestAssetVersion(ws, 'models', ref.name, opts);
      if (!latest) {
        throw new UsageError(
          `model ${ref.name}@latest: the workspace ${ws.ref.workspaceName} has no version of it`,
          'model',
        );
      }
      return {
        id: assetVersionId(ws.path, 'models', ref.name, latest.name),
        label: `azureml:${ref.name}:${latest.name} (@latest)`,
      };
    }
    case 'arm-id':
      return { id: ref.id, label: ref.id };
    case 'registry':
      if (computeKind === 'kubernetes') {
        throw new UsageError(
          `${ref.uri}: registry models are not supported for Kubernetes deployments`,
          'model',
        );
      }
      return { id: ref.uri, label: ref.uri };
    case 'path':
      throw new UsageError(
        `${ref.path} is a local path: register it first (register-model) and deploy it as NAME:VERSION`,
        'model',
      );
  }
}

/** A code reference that is not a local folder (local folders are code assets: see code-asset.ts). */
export async function resolveCodeReference(
  ws: AzureWorkspace,
  ref: Exclude<CodeRef, { kind: 'path' }>,
  computeKind: ComputeKind,
  opts: AssetCallOptions = {},
): Promise<ResolvedReference> {
  switch (ref.kind) {
    case 'version': {
      if (!(await getAssetVersion(ws, 'codes', ref.name, ref.version, opts))) {
        throw new UsageError(
          `code ${ref.name}:${ref.version} does not exist in workspace ${ws.ref.workspaceName}`,
          'code-path',
        );
      }
      return {
        id: assetVersionId(ws.path, 'codes', ref.name, ref.version),
        label: `azureml:${ref.name}:${ref.version}`,
      };
    }
    case 'arm-id':
      return { id: ref.id, label: ref.id };
    case 'registry':
      if (computeKind === 'kubernetes') {
        throw new UsageError(
          `${ref.uri}: registry code is not supported for Kubernetes deployments`,
          'code-path',
        );
      }
      return { id: ref.uri, label: ref.uri };
  }
}
