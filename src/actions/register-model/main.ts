import { UsageError } from '../../errors.ts';
import { openTarget } from '../../targets/open-target.ts';
import { defineAction } from '../shared/action-definition.ts';
import { runRegister } from '../shared/register-step.ts';
import { registerInputs, registerOutputs } from './inputs.ts';

export const registerModelAction = defineAction({
  name: 'register-model',
  title: 'Register a model',
  description:
    'Register a model file or folder (or a training job output) as a new model version with tags and properties; reuse the existing version when the content is identical.',
  inputs: registerInputs,
  outputs: registerOutputs,
  validate(inputs) {
    if (!inputs['model-name'] && !inputs['model-file']) {
      throw new UsageError('is required (or give model-file)', 'model-name');
    }
  },
  async run(inputs, ctx) {
    const deps = { ...ctx.deps, io: ctx.io };
    const target = await openTarget(inputs, deps, { timeoutMinutes: inputs['timeout-minutes'] });
    await runRegister(inputs, target, deps, ctx);
  },
});
