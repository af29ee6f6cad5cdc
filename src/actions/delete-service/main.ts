import { UsageError } from '../../errors.ts';
import { openTarget } from '../../targets/open-target.ts';
import { defineAction } from '../shared/action-definition.ts';
import { runDelete } from '../shared/delete-step.ts';
import { deleteInputs, deleteOutputs } from './inputs.ts';

export const deleteServiceAction = defineAction({
  name: 'delete-service',
  title: 'Delete a service',
  description:
    'Delete a deployment or an endpoint (also stale preview endpoints by prefix and age), and optionally a model version; deleting what is already gone succeeds.',
  inputs: deleteInputs,
  outputs: deleteOutputs,
  validate(inputs) {
    if (inputs['deployment-name'] && !inputs['endpoint-name']) {
      throw new UsageError('needs endpoint-name (the endpoint the deployment belongs to)', 'deployment-name');
    }
    if ((inputs['endpoint-prefix'] === undefined) !== (inputs['older-than-hours'] === undefined)) {
      throw new UsageError(
        'endpoint-prefix and older-than-hours go together (a sweep needs both)',
        'endpoint-prefix',
      );
    }
    if (!inputs['endpoint-name'] && !inputs['endpoint-prefix'] && !inputs['delete-model']) {
      throw new UsageError(
        'name what to delete: endpoint-name, endpoint-prefix + older-than-hours, or delete-model',
        'endpoint-name',
      );
    }
    if (
      inputs['delete-model'] &&
      !/^[^:@\s]+:[^:@\s]+$/.test(inputs['delete-model'].replace(/^azureml:/, ''))
    ) {
      throw new UsageError(`must be NAME:VERSION (got '${inputs['delete-model']}')`, 'delete-model');
    }
  },
  async run(inputs, ctx) {
    const deps = { ...ctx.deps, io: ctx.io };
    const target = await openTarget(inputs, deps, { timeoutMinutes: inputs['timeout-minutes'] });
    const endpointName = inputs['endpoint-name']?.toLowerCase();
    const deploymentName = inputs['deployment-name']?.toLowerCase();
    const [modelName, modelVersion] = (inputs['delete-model']?.replace(/^azureml:/, '') ?? '').split(':');
    const sweep =
      inputs['endpoint-prefix'] && inputs['older-than-hours'] !== undefined
        ? { prefix: inputs['endpoint-prefix'], olderThanHours: inputs['older-than-hours'] }
        : undefined;
    const title = endpointName
      ? `${endpointName}${deploymentName ? `/${deploymentName}` : ''}`
      : sweep
        ? `endpoints ${sweep.prefix}* older than ${sweep.olderThanHours} h`
        : `model ${inputs['delete-model']}`;
    await runDelete(
      {
        ...(endpointName ? { endpointName } : {}),
        ...(deploymentName ? { deploymentName } : {}),
        force: inputs.force,
        ...(modelName && modelVersion
          ? { model: { name: modelName, version: modelVersion, action: inputs['model-action'] } }
          : {}),
        ...(sweep ? { sweep } : {}),
        ignoreMissing: inputs['ignore-missing'],
        wait: inputs.wait,
      },
      title,
      target,
      deps,
      ctx,
    );
  },
});
