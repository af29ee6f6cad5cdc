// The full batch endpoint and deployment specs Azure needs, from the merged request: the batch files' own
// settings (compute, resources, job settings, the endpoint's default) with the inputs applied over the fields
// both endpoint kinds share (names, model, code, environment, variables, instance type and count, compute).
// No Azure call here, so it runs while the deployment is prepared, before any write.

import type { BatchDeploymentSpec, BatchEndpointSpec } from '../../config/spec.ts';
import { UsageError } from '../../errors.ts';
import type { DeployRequest } from '../target.ts';

export interface BatchSpecs {
  endpoint: BatchEndpointSpec;
  deployment: BatchDeploymentSpec;
}

export function batchSpecs(req: DeployRequest): BatchSpecs {
  const fileEndpoint = req.batch?.endpoint ?? {};
  const fileDeployment = req.batch?.deployment ?? {};
  const dep = req.deployment;
  const compute = req.computeName ?? fileDeployment.compute;
  const instanceCount = dep.instanceCount ?? fileDeployment.resources?.instanceCount;
  const instanceType = dep.instanceType ?? fileDeployment.resources?.instanceType;
  const resources =
    fileDeployment.resources || instanceCount !== undefined || instanceType !== undefined
      ? {
          ...(fileDeployment.resources ?? {}),
          ...(instanceCount !== undefined ? { instanceCount } : {}),
          ...(instanceType !== undefined ? { instanceType } : {}),
        }
      : undefined;
  return {
    endpoint: {
      name: req.endpointName,
      authMode: fileEndpoint.authMode ?? 'aad_token',
      tags: fileEndpoint.tags ?? {},
      properties: fileEndpoint.properties ?? {},
      ...(fileEndpoint.description !== undefined ? { description: fileEndpoint.description } : {}),
      ...(fileEndpoint.defaultDeployment ? { defaultDeployment: fileEndpoint.defaultDeployment } : {}),
    },
    deployment: {
      name: req.deploymentName,
      endpointName: req.endpointName,
      tags: dep.tags ?? fileDeployment.tags ?? {},
      properties: dep.properties ?? fileDeployment.properties ?? {},
      ...(dep.description !== undefined ? { description: dep.description } : {}),
      ...(req.model ? { model: req.model } : {}),
      ...(req.code ? { code: req.code } : {}),
      ...(req.environment ? { environment: req.environment } : {}),
      environmentVariables: req.environmentVariables,
      ...(compute ? { compute } : {}),
      ...(resources ? { resources } : {}),
      settings: fileDeployment.settings ?? {},
    },
  };
}

/** Azure runs batch jobs on a compute cluster: the deployment must name one. */
export function requireCompute(spec: BatchDeploymentSpec): BatchDeploymentSpec & { compute: string } {
  if (!spec.compute) {
    throw new UsageError(
      'a batch deployment runs on a compute cluster: give compute-name, or compute: azureml:<cluster> in the deployment file',
      'compute-name',
    );
  }
  return spec as BatchDeploymentSpec & { compute: string };
}
