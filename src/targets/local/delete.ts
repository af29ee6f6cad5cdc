// delete-service on the local target: stop host processes, remove their state, delete model versions,
// sweep stale endpoints by prefix and age.

import type { Log } from '../../log.ts';
import { LocalModelRegistry } from '../../registry/local-registry.ts';
import type { RunDeps } from '../../run-deps.ts';
import { type DeleteRequest, type DeleteResult, MissingResourceError } from '../target.ts';
import { deleteLocalBatch } from './batch-delete.ts';
import { listLocalDeployments, stopLocalService } from './local-service.ts';
import { listLocalEndpointNames, readEndpointState, removeEndpointState } from './service-state.ts';

/** A model version is deleted whatever `model.action` says: the local registry has no archive. */
export async function deleteLocal(
  localDir: string,
  req: DeleteRequest,
  deps: RunDeps,
  log: Log,
): Promise<DeleteResult> {
  const deleted: string[] = [];
  const missing: string[] = [];
  const stopDeps = { clock: deps.clock, log, ...(deps.spawn ? { spawn: deps.spawn as never } : {}) };

  const deleteEndpoint = async (endpoint: string) => {
    const deployments = await listLocalDeployments(localDir, endpoint);
    for (const d of deployments) {
      await stopLocalService(localDir, endpoint, d.state.deploymentName, stopDeps);
      deleted.push(`deployment:${endpoint}/${d.state.deploymentName}`);
    }
    if (await removeEndpointState(localDir, endpoint)) deleted.push(`endpoint:${endpoint}`);
    else if (deployments.length === 0) missing.push(`endpoint ${endpoint}`);
  };

  const batch = req.endpointName
    ? await deleteLocalBatch(localDir, {
        endpointName: req.endpointName,
        deploymentName: req.deploymentName,
        force: req.force,
      })
    : undefined;
  if (batch?.found) {
    deleted.push(...batch.deleted);
    missing.push(...batch.missing);
  } else if (req.endpointName && req.deploymentName) {
    const existed = (await listLocalDeployments(localDir, req.endpointName)).some(
      (d) => d.state.deploymentName === req.deploymentName,
    );
    if (existed) {
      await stopLocalService(localDir, req.endpointName, req.deploymentName, stopDeps);
      deleted.push(`deployment:${req.endpointName}/${req.deploymentName}`);
    } else {
      missing.push(`deployment ${req.endpointName}/${req.deploymentName}`);
    }
  } else if (req.endpointName) {
    await deleteEndpoint(req.endpointName);
  }

  if (req.sweep) {
    const cutoff = deps.clock.now() - req.sweep.olderThanHours * 3_600_000;
    for (const name of await listLocalEndpointNames(localDir)) {
      if (!name.startsWith(req.sweep.prefix)) continue;
      const state = await readEndpointState(localDir, name);
      const created = state ? Date.parse(state.createdAt) : Number.NaN;
      if (Number.isNaN(created) || created > cutoff) continue;
      log.info(`sweep: ${name} was created ${state?.createdAt}, older than ${req.sweep.olderThanHours} h`);
      await deleteEndpoint(name);
    }
  }

  if (req.model) {
    const registry = new LocalModelRegistry(localDir);
    if (await registry.delete(req.model.name, req.model.version))
      deleted.push(`model:${req.model.name}:${req.model.version}`);
    else missing.push(`model ${req.model.name}:${req.model.version}`);
  }

  for (const m of missing) {
    if (!req.ignoreMissing)
      throw new MissingResourceError(
        `${m} does not exist on the local target (set ignore-missing: true to accept that)`,
        { deleted, missing },
      );
    log.info(`${m} is already gone`);
  }
  return { deleted, missing };
}
