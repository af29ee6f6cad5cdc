// The full endpoint and deployment specs Azure needs, from the merged request. No Azure call here, so it
// runs while the deployment is prepared, before any write.

import type { DeploymentSpec, EndpointSpec } from '../../config/spec.ts';
import { UsageError } from '../../errors.ts';
import type { DeployRequest } from '../target.ts';

export interface AzureDeploymentSpec {
  endpoint: Partial<EndpointSpec> & { name: string };
  deployment: DeploymentSpec;
}

export function azureDeploymentSpec(req: DeployRequest): AzureDeploymentSpec {
  const dep = req.deployment;
  const compute = req.computeName ?? req.endpoint.compute;
  const computeKind =
    compute || req.endpoint.computeKind === 'kubernetes' || dep.computeKind === 'kubernetes'
      ? 'kubernetes'
      : 'managed';
  if (computeKind === 'managed' && !dep.instanceType) {
    throw new UsageError(
      'a managed online deployment needs a VM size: give instance-type (e.g. Standard_DS3_v2) or instance_type in the deployment file',
      'instance-type',
    );
  }
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
    },
  };
}
