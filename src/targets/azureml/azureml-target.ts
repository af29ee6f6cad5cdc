// The Azure ML target: a workspace's model registry, its online endpoints, and its batch endpoints and their
// jobs. The connection (credential, ARM client) is made on first use, so a run that fails validation never
// authenticates.

import type { AzureWorkspace } from '../../azure/workspace.ts';
import type { WorkspaceRef } from '../../config/spec.ts';
import { ActionFailure } from '../../errors.ts';
import type { ScoringAuth, Target, TargetDeps } from '../target.ts';
import { prepareAzureBatchDeploy } from './batch-deploy.ts';
import { runAzureBatchJob } from './batch-job.ts';
import { type AzureConnectionInputs, connectWorkspace } from './connect.ts';
import { deleteFromWorkspace } from './delete.ts';
import { type AzureSession, prepareAzureDeploy, restoreAfterCancel } from './deploy.ts';
import { runRegistry } from './inline-model.ts';
import { type EndpointAuthMode, scoringCredentials } from './scoring-credentials.ts';

export interface AzureTargetOptions {
  workspace: WorkspaceRef;
  localDir: string;
  azure: AzureConnectionInputs;
  timeoutMinutes: number;
}

/** Looking up a scoring URI and key is a few reads. */
const SCORING_LOOKUP_MS = 10 * 60_000;

const AUTH_MODES: Partial<Record<ScoringAuth, EndpointAuthMode>> = {
  key: 'Key',
  'aml-token': 'AMLToken',
  aad: 'AADToken',
};

export function openAzureTarget(opts: AzureTargetOptions, deps: TargetDeps): Target {
  const deadline = deps.clock.now() + opts.timeoutMinutes * 60_000;
  let connection: Promise<AzureWorkspace> | undefined;
  let connected: AzureWorkspace | undefined;
  const session: AzureSession = {
    workspace: () => {
      connection ??= connectWorkspace(opts.azure, opts.workspace, deps, deadline).then((ws) => {
        connected = ws;
        return ws;
      });
      return connection;
    },
    localDir: opts.localDir,
    deadline,
    deps,
    ...(opts.azure['tenant-id'] ? { tenantId: opts.azure['tenant-id'] } : {}),
  };
  const signal = deps.signal ? { signal: deps.signal } : {};
  return {
    kind: 'azureml',
    label: `Azure ML workspace ${opts.workspace.workspaceName}`,
    async registry() {
      return runRegistry(await session.workspace(), session);
    },
    async prepareDeploy(request, options) {
      return request.endpointKind === 'batch'
        ? prepareAzureBatchDeploy(request, options, session)
        : prepareAzureDeploy(request, options, session);
    },
    async scoring(query) {
      const ws = await session.workspace();
      const authMode = AUTH_MODES[query.auth];
      const creds = await scoringCredentials(ws, query.endpointName, {
        deadline: deps.clock.now() + SCORING_LOOKUP_MS,
        ...(authMode ? { authMode } : {}),
      });
      if (!creds.scoringUri) {
        throw new ActionFailure(
          `endpoint ${query.endpointName} has no scoring URI yet (is it still being created?)`,
        );
      }
      return {
        scoringUri: creds.scoringUri,
        headers: query.auth === 'none' || !query.lookUpCredentials ? {} : creds.headers(),
        label: `${query.endpointName}${query.deploymentName ? `/${query.deploymentName}` : ''} (${creds.authMode} auth)`,
        dispatcher: ws.dispatcher,
      };
    },
    async delete(request, onProgress) {
      // Its own budget: the pipeline deletes after a deployment that may have used most of the run's.
      const result = await deleteFromWorkspace(await session.workspace(), request, {
        deadline: deps.clock.now() + opts.timeoutMinutes * 60_000,
        ...signal,
        now: () => deps.clock.now(),
        onProgress,
      });
      for (const m of result.missing) deps.io.info(`${m} was already gone`);
      return result;
    },
    runBatchJob: (request, onProgress) => runAzureBatchJob(request, session, onProgress),
    restoreAfterCancel: (saved) => restoreAfterCancel(saved, session),
    notes() {
      const fallback = connected?.client.apiVersionFallback;
      return fallback
        ? [
            `ARM rejected api-version ${fallback.rejected} (${fallback.code}) in this region or cloud; ${fallback.used} was used instead. Set the api-version input to pin one.`,
          ]
        : [];
    },
  };
}
