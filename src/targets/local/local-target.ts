// The local target: the content-addressed folder registry, entry-script host processes (online endpoints) and
// checked batch deployments run per job by batch_driver.py, all under local-dir.

import { UsageError } from '../../errors.ts';
import { LocalModelRegistry } from '../../registry/local-registry.ts';
import type { Target, TargetDeps } from '../target.ts';
import { prepareLocalBatchDeploy } from './batch-deploy.ts';
import { runLocalBatchJob } from './batch-job.ts';
import { deleteLocal } from './delete.ts';
import { deployLocal, validateLocalRequest } from './deploy.ts';
import { localScoring } from './scoring.ts';

export function openLocalTarget(localDir: string, deps: TargetDeps): Target {
  const { io } = deps;
  return {
    kind: 'local',
    label: 'local',
    async registry() {
      return new LocalModelRegistry(localDir, () => deps.clock.now());
    },
    async prepareDeploy(request, options) {
      if (request.endpointKind === 'batch') return prepareLocalBatchDeploy(request, options, localDir, deps);
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
    scoring: (query) => localScoring(localDir, query, io),
    delete: (request) => deleteLocal(localDir, request, deps, io),
    runBatchJob: (request, onProgress) => runLocalBatchJob(request, localDir, deps, onProgress),
    // One deployment per local endpoint and no traffic to shift: a cancelled run leaves nothing to restore.
    async restoreAfterCancel() {},
    notes: () => [],
  };
}
