// The Azure side of a deploy request: options from the inputs, and the full DeploymentSpec Azure needs. No
// Azure call here, so it runs during validation.

import type { DeploymentSpec, EndpointSpec, WorkspaceRef } from '../../config/spec.ts';
import { UsageError } from '../../errors.ts';
import type { ProbeRequest } from '../../probe/requests.ts';
import type { TrafficStrategy } from '../../targets/azureml/traffic.ts';
import type { AzureInputValues } from '../shared/azure-context.ts';
import type { DeployRequest } from './merge-spec.ts';

export interface AzureDeployOptions {
  workspace: WorkspaceRef;
  azure: AzureInputValues;
  localDir: string;
  timeoutMinutes: number;
  dryRun: boolean;
  traffic?: TrafficStrategy;
  mirrorTraffic?: Record<string, number>;
  smokeRequests?: ProbeRequest[];
  /**
   * The pipeline's rule: with no `traffic` input and an endpoint already serving another deployment, bring the
   * new one up at 0 %, smoke test it, then give it the traffic (blue-green); else deploy in place.
   */
  gateWhenServing?: boolean;
  rollbackOnFailure: boolean;
  deleteFailedDeployment: boolean;
  instanceType?: string;
  instanceCount?: number;
  computeName?: string;
}

/** The full deployment spec Azure needs: the file's fields, the request's references, the inputs. */
export function azureDeploymentSpec(
  req: DeployRequest,
  opts: AzureDeployOptions,
): {
  endpoint: Partial<EndpointSpec> & { name: string };
  deployment: DeploymentSpec;
} {
  const dep = req.deployment;
  const compute = opts.computeName ?? req.computeName ?? req.endpoint.compute;
  const computeKind =
    compute || req.endpoint.computeKind === 'kubernetes' || dep.computeKind === 'kubernetes'
      ? 'kubernetes'
      : 'managed';
  const instanceType = opts.instanceType ?? dep.instanceType;
  if (computeKind === 'managed' && !instanceType) {
    throw new UsageError(
      'a managed online deployment needs a VM size: give instance-type (e.g. Standard_DS3_v2) or instance_type in the deployment file',
      'instance-type',
    );
  }
  const instanceCount = opts.instanceCount ?? dep.instanceCount;
  return {
    endpoint: {
      ...req.endpoint,
      name: req.endpointName,
      computeKind,
      ...(compute ? { compute } : {}),
    },
    deployment: {
      ...dep,
      name: req.deploymentName,
      endpointName: req.endpointName,
      computeKind,
      tags: dep.tags ?? {},
      properties: dep.properties ?? {},
      environmentVariables: req.environmentVariables,
      appInsightsEnabled: dep.appInsightsEnabled ?? false,
      ...(req.model ? { model: req.model } : {}),
      ...(req.code ? { code: req.code } : {}),
      ...(req.environment ? { environment: req.environment } : {}),
      ...(instanceType ? { instanceType } : {}),
      ...(instanceCount !== undefined ? { instanceCount } : {}),
    },
  };
}
