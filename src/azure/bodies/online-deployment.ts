// DeploymentSpec + resolved asset ids → the online deployment PUT body (yaml reference §2.3/§2.4, examples
// 1 and 2), without `privateNetworkConnection`, which the 2026-07-01 API dropped. Always sent: location,
// endpointComputeType, appInsightsEnabled, environmentVariables, properties, sku {name: Default}, tags.

import type { DeploymentSpec, ProbeSettings, ResourceAmounts } from '../../config/spec.ts';
import { isoDurationFromMs, isoDurationFromSeconds } from './iso-duration.ts';
import type { OnlineDeploymentBody, ProbeBody, ResourceAmountsBody } from './types.ts';

/** The ARM ids (or registry / curated references) the deployment points at. */
export interface DeploymentAssetIds {
  model?: string;
  codeId?: string;
  environmentId?: string;
}

export function onlineDeploymentBody(
  spec: DeploymentSpec,
  ids: DeploymentAssetIds,
  location: string,
): OnlineDeploymentBody {
  const kubernetes = spec.computeKind === 'kubernetes';
  const p: OnlineDeploymentBody['properties'] = {
    endpointComputeType: kubernetes ? 'Kubernetes' : 'Managed',
    properties: { ...(spec.properties ?? {}) },
    environmentVariables: { ...(spec.environmentVariables ?? {}) },
    appInsightsEnabled: spec.appInsightsEnabled ?? false,
  };
  if (spec.description !== undefined) p.description = spec.description;
  if (ids.model !== undefined) p.model = ids.model;
  if (spec.modelMountPath !== undefined) p.modelMountPath = spec.modelMountPath;
  if (spec.code) {
    if (ids.codeId === undefined) throw new Error('onlineDeploymentBody: the code asset id is missing');
    p.codeConfiguration = { codeId: ids.codeId, scoringScript: spec.code.scoringScript };
  }
  if (ids.environmentId !== undefined) p.environmentId = ids.environmentId;
  if (spec.instanceType !== undefined) p.instanceType = spec.instanceType;
  if (spec.scaleSettings) {
    const s = spec.scaleSettings;
    p.scaleSettings =
      s.type === 'default'
        ? { scaleType: 'Default' }
        : compact({
            scaleType: 'TargetUtilization' as const,
            minInstances: s.minInstances,
            maxInstances: s.maxInstances,
            pollingInterval: isoDurationFromSeconds(s.pollingIntervalSeconds),
            targetUtilizationPercentage: s.targetUtilizationPercentage,
          });
  }
  if (spec.requestSettings) {
    const r = spec.requestSettings;
    p.requestSettings = compact({
      requestTimeout: isoDurationFromMs(r.requestTimeoutMs),
      maxConcurrentRequestsPerInstance: r.maxConcurrentRequestsPerInstance,
      maxQueueWait: isoDurationFromMs(r.maxQueueWaitMs),
    });
  }
  if (spec.livenessProbe) p.livenessProbe = probeBody(spec.livenessProbe);
  if (spec.readinessProbe) p.readinessProbe = probeBody(spec.readinessProbe);
  if (spec.egressPublicNetworkAccess !== undefined) {
    p.egressPublicNetworkAccess = spec.egressPublicNetworkAccess === 'enabled' ? 'Enabled' : 'Disabled';
  }
  if (kubernetes && spec.resources) {
    const requests = resourceAmounts(spec.resources.requests);
    const limits = resourceAmounts(spec.resources.limits);
    if (requests || limits) {
      p.containerResourceRequirements = {
        ...(requests ? { containerResourceRequests: requests } : {}),
        ...(limits ? { containerResourceLimits: limits } : {}),
      };
    }
  }
  return {
    location,
    properties: p,
    sku:
      spec.instanceCount === undefined
        ? { name: 'Default' }
        : { name: 'Default', capacity: spec.instanceCount },
    tags: { ...(spec.tags ?? {}) },
  };
}

function probeBody(probe: ProbeSettings): ProbeBody {
  return compact({
    initialDelay: isoDurationFromSeconds(probe.initialDelaySeconds),
    period: isoDurationFromSeconds(probe.periodSeconds),
    timeout: isoDurationFromSeconds(probe.timeoutSeconds),
    successThreshold: probe.successThreshold,
    failureThreshold: probe.failureThreshold,
  });
}

function resourceAmounts(amounts: ResourceAmounts | undefined): ResourceAmountsBody | undefined {
  if (!amounts) return undefined;
  const body = compact({ cpu: amounts.cpu, memory: amounts.memory, gpu: amounts.gpu });
  return Object.keys(body).length ? body : undefined;
}

/** Drops undefined values, so bodies never carry `"key": undefined`. */
function compact<T extends Record<string, unknown>>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}
