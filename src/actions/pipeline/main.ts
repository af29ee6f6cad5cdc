// The four actions in one step: register → deploy (wait) → smoke test, or a job on a batch endpoint →
// (delete), composed from the same steps and target calls, with every input validated and every file read
// before the first side effect.

import { ActionFailure, UsageError } from '../../errors.ts';
import { RESTORE_STATE } from '../../targets/target.ts';
import { defineAction } from '../shared/action-definition.ts';
import { prepareBatchJob, runBatchJob } from '../shared/batch-step.ts';
import { runDelete } from '../shared/delete-step.ts';
import { openDeployTarget, runDeploy, setUpDeploy } from '../shared/deploy-step.ts';
import { modelSpecFromInputs } from '../shared/model-spec.ts';
import { runRegister } from '../shared/register-step.ts';
import { findService, prepareSmoke, runSmoke } from '../shared/smoke-step.ts';
import { pipelineInputs, pipelineOutputs } from './inputs.ts';

export const pipelineAction = defineAction({
  name: 'pipeline',
  title: 'Register, deploy and smoke test',
  description:
    'Register a model, deploy it, wait, smoke test it and report, in one step; on failure capture logs and leave serving traffic as it was.',
  inputs: pipelineInputs,
  outputs: pipelineOutputs,
  validate(inputs) {
    const registers = Boolean(inputs['model-path'] || inputs['model-file']);
    if (registers && inputs.model) {
      throw new UsageError(
        'give model (an existing model or path) or model-path/model-file (registered first), not both',
        'model',
      );
    }
    if (registers && !inputs['model-name'] && !inputs['model-file']) {
      throw new UsageError('is required with model-path', 'model-name');
    }
    if (inputs['batch-input'] && (inputs['request-file'] || inputs['request-body'])) {
      throw new UsageError(
        'batch-input runs a batch job after the deployment; request-file and request-body smoke test an online one: give one or the other',
        'batch-input',
      );
    }
  },
  async run(inputs, ctx) {
    const deps = { ...ctx.deps, io: ctx.io };
    const registers = Boolean(inputs['model-path'] || inputs['model-file']);
    // Everything is read and checked first: a broken file stops the run before anything is registered.
    if (registers) await modelSpecFromInputs(inputs, deps.cwd);
    const { target, request, options } = await setUpDeploy(inputs, deps);
    const smoke =
      inputs['request-file'] || inputs['request-body'] ? await prepareSmoke(inputs, deps.cwd) : undefined;
    const batchJob = inputs['batch-input'] ? await prepareBatchJob(inputs, deps.cwd) : undefined;
    if (smoke) {
      // The request file is also the gate (on Azure ML): of a blue-green or canary rollout and, with no
      // traffic input, of any new deployment on an endpoint that already serves traffic.
      options.smokeRequests = [...smoke.options.requests];
      options.gateWhenServing = true;
    }
    const deployment = await target.prepareDeploy(request, options);
    ctx.setOutput('endpoint-name', deployment.endpointName);
    ctx.setOutput('deployment-name', deployment.deploymentName);

    try {
      if (registers) {
        const model = await runRegister(inputs, target, deps, ctx);
        deployment.useModel({ kind: 'version', name: model.name, version: model.version });
      }
      const outcome = await runDeploy(target, deployment, ctx, request.notes);
      if (batchJob && !inputs['dry-run']) {
        // The job runs on the deployment just made, whichever deployment is the endpoint's default.
        await runBatchJob(
          batchJob,
          target,
          { endpointName: outcome.endpointName, deploymentName: outcome.deploymentName },
          deps,
          ctx,
        );
      }
      if (smoke && outcome.scoringUri && !inputs['dry-run']) {
        const service = await findService(
          {
            'scoring-uri': undefined,
            'endpoint-name': outcome.endpointName,
            'deployment-name': outcome.deploymentName,
            auth: inputs.auth,
            'api-key': inputs['api-key'],
          },
          async () => target,
        );
        const result = await runSmoke(smoke, service, deps, ctx);
        if (!result.passed && inputs['fail-on-error']) {
          throw new ActionFailure(result.message);
        }
      }
    } finally {
      if (inputs['delete-after'] && !inputs['dry-run']) {
        // A throw-away preview: the endpoint goes, whatever happened before.
        await runDelete(
          {
            endpointName: deployment.endpointName,
            force: false,
            ignoreMissing: true,
            wait: true,
          },
          deployment.endpointName,
          target,
          deps,
          ctx,
        );
      }
    }
  },
  // As deploy-model's: on a cancelled job, put back the traffic maps a killed rollout had changed.
  async post(inputs, ctx) {
    const saved = ctx.io.getState(RESTORE_STATE);
    if (!saved) return;
    const target = await openDeployTarget(inputs, { ...ctx.deps, io: ctx.io });
    await target.restoreAfterCancel(saved);
  },
});
