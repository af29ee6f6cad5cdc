import { azureInputs, targetInputs } from '../shared/common-inputs.ts';
import { input } from '../shared/define-inputs.ts';
import { bool, duration, oneOf, optionalString } from '../shared/input-types.ts';

export const deleteInputs = {
  'endpoint-name': input(optionalString(), {
    description: 'Endpoint to delete (with all its deployments), or whose deployment to delete.',
  }),
  'deployment-name': input(optionalString(), {
    description: 'Delete only this deployment of `endpoint-name`.',
  }),
  force: input(bool(), {
    description:
      'Delete a deployment that carries traffic: its share first moves to the remaining deployments (in proportion to theirs).',
    default: 'false',
  }),
  'delete-model': input(optionalString(), {
    description:
      'Also remove this model version (`NAME:VERSION`): archived, or deleted with `model-action: delete`.',
  }),
  'model-action': input(oneOf(['archive', 'delete'] as const), {
    description:
      'What happens to `delete-model`: `archive` (Azure ML; the local registry deletes) or `delete`.',
    default: 'archive',
  }),
  'ignore-missing': input(bool(), {
    description: 'Deleting something that is already gone counts as success.',
    default: 'true',
  }),
  'endpoint-prefix': input(optionalString(), {
    description: 'Sweep: delete every endpoint whose name starts with this prefix (with `older-than-hours`).',
  }),
  'older-than-hours': input(duration('hours'), {
    description: 'Sweep: only endpoints created more than this many hours ago.',
  }),
  wait: input(bool(), { description: 'Wait until the deletions have finished.', default: 'true' }),
  'timeout-minutes': input(duration('minutes', { max: 24 * 60 }), {
    description: 'How long to wait for the deletions.',
    default: '30',
  }),
  ...targetInputs,
  ...azureInputs,
};

export const deleteOutputs = {
  deleted: {
    description:
      'JSON list of what was deleted (`endpoint:NAME`, `deployment:ENDPOINT/NAME`, `model:NAME:VERSION`).',
  },
};
