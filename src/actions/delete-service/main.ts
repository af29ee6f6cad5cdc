import { UsageError } from '../../errors.ts';
import { addFacts, fact } from '../../report/report.ts';
import { defineAction } from '../shared/action-definition.ts';
import { resolveTarget } from '../shared/target.ts';
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
    const what = inputs['endpoint-name']
      ? `${inputs['endpoint-name']}${inputs['deployment-name'] ? `/${inputs['deployment-name']}` : ''}`
      : inputs['endpoint-prefix']
        ? `endpoints ${inputs['endpoint-prefix']}* older than ${inputs['older-than-hours']} h`
        : `model ${inputs['delete-model']}`;
    const section = ctx.report.section('delete-service', `Delete ${what}`);
    const [modelName, modelVersion] = (inputs['delete-model']?.replace(/^azureml:/, '') ?? '').split(':');
    const model = modelName && modelVersion ? { name: modelName, version: modelVersion } : undefined;
    const sweep =
      inputs['endpoint-prefix'] && inputs['older-than-hours'] !== undefined
        ? { prefix: inputs['endpoint-prefix'], olderThanHours: inputs['older-than-hours'] }
        : undefined;
    const endpointName = inputs['endpoint-name']?.toLowerCase();
    const deploymentName = inputs['deployment-name']?.toLowerCase();
    let deleted: string[] = [];
    try {
      if (target.kind === 'azureml') {
        // The Azure stack loads only for the azureml target.
        const { connectWorkspace } = await import('../shared/azure-context.ts');
        const { deleteFromWorkspace, MissingResourceError } = await import('../../targets/azureml/delete.ts');
        const deadline = ctx.deps.clock.now() + (inputs['timeout-minutes'] ?? 30) * 60_000;
        const ws = await connectWorkspace(inputs, target.workspace, ctx.io, ctx.deps, deadline);
        try {
          const result = await deleteFromWorkspace(
            ws,
            {
              ...(endpointName ? { endpointName } : {}),
              ...(deploymentName ? { deploymentName } : {}),
              force: inputs.force,
              ...(model ? { model: { ...model, action: inputs['model-action'] ?? 'archive' } } : {}),
              ...(sweep ? { sweep } : {}),
              ignoreMissing: inputs['ignore-missing'],
              wait: inputs.wait,
            },
            {
              deadline,
              now: () => ctx.deps.clock.now(),
              onProgress: (line) => {
                ctx.io.info(line);
                ctx.report.event(section, line);
              },
              ...(ctx.deps.signal ? { signal: ctx.deps.signal } : {}),
            },
          );
          deleted = result.deleted;
          for (const m of result.missing) ctx.io.info(`${m} was already gone`);
        } catch (err) {
          if (err instanceof MissingResourceError) ctx.setOutput('deleted', err.result.deleted);
          throw err;
        }
      } else {
        deleted = await deleteLocal(
          {
            localDir: target.localDir,
            ...(endpointName ? { endpointName } : {}),
            ...(deploymentName ? { deploymentName } : {}),
            ...(model ? { model } : {}),
            ignoreMissing: inputs['ignore-missing'],
            ...(sweep ? { sweep } : {}),
          },
          ctx.deps,
          ctx.io,
        );
      }
      ctx.setOutput('deleted', deleted);
      addFacts(
        section,
        fact(
          'Target',
          target.kind === 'azureml' ? `Azure ML workspace ${target.workspace.workspaceName}` : 'local',
        ),
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
