// BatchDeploymentSpec + resolved asset ids → the batch deployment PUT body (yaml reference §2.6,
// BatchDeployment_CreateOrUpdate example), as azure-ai-ml builds it for both YAML layouts: the model as an
// `{referenceType: Id, assetId}` object (unlike online deployments), `compute` as an ARM id, the job settings
// as flat properties, `resources.properties: {}` whenever resources are given. Enums in the 2026-07-01
// spelling (outputAction AppendRow/SummaryOnly, loggingLevel Info/Warning/Debug). Always sent: location,
// compute, environmentVariables, properties, tags.

import type { BatchDeploymentSpec } from '../../config/spec.ts';
import { computeId } from './arm-ids.ts';
import { isoDurationFromSeconds } from './iso-duration.ts';
import type { DeploymentAssetIds } from './online-deployment.ts';

export interface BatchDeploymentBody {
  location: string;
  properties: {
    description?: string;
    properties: Record<string, string>;
    model?: { referenceType: 'Id'; assetId: string };
    codeConfiguration?: { codeId: string; scoringScript: string };
    environmentId?: string;
    environmentVariables: Record<string, string>;
    compute: string;
    resources?: { instanceCount?: number; instanceType?: string; properties: Record<string, unknown> };
    maxConcurrencyPerInstance?: number;
    miniBatchSize?: number;
    outputAction?: 'AppendRow' | 'SummaryOnly';
    outputFileName?: string;
    retrySettings?: { maxRetries?: number; timeout?: string };
    errorThreshold?: number;
    loggingLevel?: 'Info' | 'Warning' | 'Debug';
  };
  tags: Record<string, string>;
}

const LOGGING_LEVEL = { info: 'Info', warning: 'Warning', debug: 'Debug' } as const;

export function batchDeploymentBody(
  spec: BatchDeploymentSpec & { compute: string },
  ids: DeploymentAssetIds,
  ctx: { location: string; workspacePath: string },
): BatchDeploymentBody {
  const s = spec.settings;
  const p: BatchDeploymentBody['properties'] = {
    properties: { ...spec.properties },
    environmentVariables: { ...spec.environmentVariables },
    compute: computeId(ctx.workspacePath, spec.compute),
  };
  if (spec.description !== undefined) p.description = spec.description;
  if (ids.model !== undefined) p.model = { referenceType: 'Id', assetId: ids.model };
  if (spec.code) {
    if (ids.codeId === undefined) throw new Error('batchDeploymentBody: the code asset id is missing');
    p.codeConfiguration = { codeId: ids.codeId, scoringScript: spec.code.scoringScript };
  }
  if (ids.environmentId !== undefined) p.environmentId = ids.environmentId;
  if (spec.resources) {
    const r = spec.resources;
    p.resources = {
      ...(r.instanceCount !== undefined ? { instanceCount: r.instanceCount } : {}),
      ...(r.instanceType !== undefined ? { instanceType: r.instanceType } : {}),
      properties: { ...(r.properties ?? {}) },
    };
  }
  if (s.maxConcurrencyPerInstance !== undefined) p.maxConcurrencyPerInstance = s.maxConcurrencyPerInstance;
  if (s.miniBatchSize !== undefined) p.miniBatchSize = s.miniBatchSize;
  if (s.outputAction !== undefined)
    p.outputAction = s.outputAction === 'summary_only' ? 'SummaryOnly' : 'AppendRow';
  if (s.outputFileName !== undefined) p.outputFileName = s.outputFileName;
  if (s.retrySettings) {
    const timeout = isoDurationFromSeconds(s.retrySettings.timeoutSeconds);
    p.retrySettings = {
      ...(s.retrySettings.maxRetries !== undefined ? { maxRetries: s.retrySettings.maxRetries } : {}),
      ...(timeout !== undefined ? { timeout } : {}),
    };
  }
  if (s.errorThreshold !== undefined) p.errorThreshold = s.errorThreshold;
  if (s.loggingLevel !== undefined) {
    p.loggingLevel = LOGGING_LEVEL[s.loggingLevel.toLowerCase() as keyof typeof LOGGING_LEVEL];
  }
  return { location: ctx.location, properties: p, tags: { ...spec.tags } };
}
