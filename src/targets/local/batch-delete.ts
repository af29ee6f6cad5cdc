// delete-service for local batch endpoints: a deployment's record (refused for the endpoint's default
// deployment unless forced, which first leaves the endpoint without a default), or the endpoint with all of
// its deployments. Nothing runs between jobs, so there is no process to stop.

import { UsageError } from '../../errors.ts';
import {
  listBatchDeployments,
  readBatchEndpoint,
  removeBatchDeployment,
  removeBatchEndpoint,
  writeBatchEndpoint,
} from './batch-state.ts';

export interface LocalBatchDeletion {
  /** false: there is no local batch endpoint of that name (the caller looks elsewhere). */
  found: boolean;
  deleted: string[];
  missing: string[];
}

export async function deleteLocalBatch(
  localDir: string,
  req: { endpointName: string; deploymentName?: string | undefined; force: boolean },
): Promise<LocalBatchDeletion> {
  const endpoint = await readBatchEndpoint(localDir, req.endpointName);
  const deployments = await listBatchDeployments(localDir, req.endpointName);
  if (!endpoint && deployments.length === 0) return { found: false, deleted: [], missing: [] };
  const deleted: string[] = [];
  const missing: string[] = [];
  if (req.deploymentName) {
    const name = req.deploymentName;
    if (!deployments.includes(name))
      return { found: true, deleted, missing: [`deployment ${req.endpointName}/${name}`] };
    if (endpoint?.defaultDeployment === name) {
      if (!req.force) {
        throw new UsageError(
          `'${name}' is the default deployment of batch endpoint '${req.endpointName}': make another deployment the default first, or set force: true (the endpoint is then left without a default)`,
          'deployment-name',
        );
      }
      const { defaultDeployment: _gone, ...rest } = endpoint;
      await writeBatchEndpoint(localDir, rest);
    }
    if (await removeBatchDeployment(localDir, req.endpointName, name)) {
      deleted.push(`deployment:${req.endpointName}/${name}`);
    }
    return { found: true, deleted, missing };
  }
  for (const d of deployments) deleted.push(`deployment:${req.endpointName}/${d}`);
  await removeBatchEndpoint(localDir, req.endpointName);
  deleted.push(`endpoint:${req.endpointName}`);
  return { found: true, deleted, missing };
}
