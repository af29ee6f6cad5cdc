// The local target: the content-addressed folder registry, entry-script host processes (online endpoints) and
// checked batch deployments run per job by batch_driver.py, all under local-dir.

// Each part loads when it is used (import()): register-model does not load the host code, and a run that
// stops at validation loads none of it (bench/cold-start).

import { UsageError } from '../../errors.ts';
import type { Target, TargetDeps } from '../target.ts';

export function openLocalTarget(localDir: string, deps: TargetDeps): Target {
  const { io } = deps;
  return {
    kind: 'local',
    label: 'local',
    async registry() {
      const { LocalModelRegistry } = await import('../../registry/local-registry.ts');
      return new LocalModelRegistry(localDir, () => deps.clock.now());
    },
    async prepareDeploy(request, options) {
      if (request.endpointKind === 'batch') {
        const { prepareLocalBatchDeploy } = await import('./batch-deploy.ts');
        return prepareLocalBatchDeploy(request, options, localDir, deps);
      }
      if (options.traffic && /^\s*progressive\b/i.test(options.traffic)) {
        throw new UsageError(
          'progressive applies to Azure ML endpoints: a local endpoint runs one deployment, so there is no traffic to split between an old and a new one; use traffic: all (or leave it out) on the local target',
          'traffic',
        );
      }
      const ignored = {
        traffic: options.traffic,
        'mirror-traffic': options.mirrorTraffic,
        'smoke-request-file': options.smokeRequests && !options.gateWhenServing,
        'compute-name': request.computeName,
      };
      for (const [name, value] of Object.entries(ignored)) {
        if (value) io.warn(`${name} applies to Azure ML endpoints; the local target ignores it`);
      }
      const { deployLocal, validateLocalRequest } = await import('./deploy.ts');
      validateLocalRequest(request, { python: options.python, runtime: options.runtime, env: deps.env });
      return {
        endpointName: request.endpointName,
        deploymentName: request.deploymentName,
        useModel(ref) {
          request.model = ref;
        },
        deploy: (report, section) => deployLocal(request, { ...options, localDir }, deps, report, section),
      };
    },
    async scoring(query) {
      const { localScoring } = await import('./scoring.ts');
      return localScoring(localDir, query, io);
    },
    async delete(request) {
      const { deleteLocal } = await import('./delete.ts');
      return deleteLocal(localDir, request, deps, io);
    },
    async runBatchJob(request, onProgress) {
      const { runLocalBatchJob } = await import('./batch-job.ts');
      return runLocalBatchJob(request, localDir, deps, onProgress);
    },
    // One deployment per local endpoint and no traffic to shift: a cancelled run leaves nothing to restore.
    async restoreAfterCancel() {},
    notes: () => [],
  };
}
