import { UsageError } from '../../errors.ts';
import { RESTORE_STATE } from '../../targets/target.ts';
import { defineAction } from '../shared/action-definition.ts';
import { openDeployTarget, runDeploy, setUpDeploy } from '../shared/deploy-step.ts';
import { deployInputs, deployOutputs } from './inputs.ts';

export const deployModelAction = defineAction({
  name: 'deploy-model',
  title: 'Deploy a model',
  description:
    'Deploy a model with its entry script and environment to an online endpoint (or this machine), wait for a terminal state, and explain failures with the logs.',
  inputs: deployInputs,
  outputs: deployOutputs,
  validate(inputs) {
    const v2 = inputs['endpoint-file'] || inputs['deployment-file'];
    const v1 = inputs['inference-config'] || inputs['deployment-config'];
    if (v2 && v1) {
      throw new UsageError(
        'give either the v2 YAML files (endpoint-file, deployment-file) or the v1 JSON files (inference-config, deployment-config), not both',
        inputs['endpoint-file'] ? 'endpoint-file' : 'deployment-file',
      );
    }
  },
  async run(inputs, ctx) {
    const deps = { ...ctx.deps, io: ctx.io };
    const { target, request, options } = await setUpDeploy(inputs, deps);
    const deployment = await target.prepareDeploy(request, options);
    await runDeploy(target, deployment, ctx, request.notes);
  },
  async post(inputs, ctx) {
    const saved = ctx.io.getState(RESTORE_STATE);
    if (!saved) return;
    const target = await openDeployTarget(inputs, { ...ctx.deps, io: ctx.io });
    await target.restoreAfterCancel(saved);
  },
});
