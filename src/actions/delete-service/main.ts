import { UsageError } from '../../errors.ts';
import { addFacts, fact } from '../../report/report.ts';
import { defineAction } from '../shared/action-definition.ts';
import { requireLocalTarget, resolveTarget } from '../shared/target.ts';
import { deleteLocal } from './delete-local.ts';
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
    const target = await resolveTarget(inputs, ctx.deps.cwd);
    requireLocalTarget(target, 'delete-service');
    const what = inputs['endpoint-name']
      ? `${inputs['endpoint-name']}${inputs['deployment-name'] ? `/${inputs['deployment-name']}` : ''}`
      : inputs['endpoint-prefix']
        ? `endpoints ${inputs['endpoint-prefix']}* older than ${inputs['older-than-hours']} h`
        : `model ${inputs['delete-model']}`;
    const section = ctx.report.section('delete-service', `Delete ${what}`);
    try {
      const [modelName, modelVersion] = (inputs['delete-model']?.replace(/^azureml:/, '') ?? '').split(':');
      const deleted = await deleteLocal(
        {
          localDir: target.localDir,
          ...(inputs['endpoint-name'] ? { endpointName: inputs['endpoint-name'].toLowerCase() } : {}),
          ...(inputs['deployment-name'] ? { deploymentName: inputs['deployment-name'].toLowerCase() } : {}),
          ...(modelName && modelVersion ? { model: { name: modelName, version: modelVersion } } : {}),
          ignoreMissing: inputs['ignore-missing'],
          ...(inputs['endpoint-prefix'] && inputs['older-than-hours'] !== undefined
            ? { sweep: { prefix: inputs['endpoint-prefix'], olderThanHours: inputs['older-than-hours'] } }
            : {}),
        },
        ctx.deps,
        ctx.io,
      );
      ctx.setOutput('deleted', deleted);
      addFacts(
        section,
        fact('Target', 'local'),
        fact('Deleted', deleted.length > 0 ? deleted.join(', ') : 'nothing (already gone)'),
      );
      ctx.report.finish(section, deleted.length > 0 ? 'succeeded' : 'unchanged');
      ctx.io.info(deleted.length > 0 ? `deleted: ${deleted.join(', ')}` : 'nothing to delete: already gone');
    } catch (err) {
      ctx.report.fail(section, err instanceof Error ? err.message : String(err));
      throw err;
    }
  },
});
