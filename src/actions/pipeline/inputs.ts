import { deleteInputs, deleteOutputs } from '../delete-service/inputs.ts';
import { deployInputs, deployOutputs } from '../deploy-model/inputs.ts';
import { registerInputs, registerOutputs } from '../register-model/inputs.ts';
import { input } from '../shared/define-inputs.ts';
import { bool } from '../shared/input-types.ts';
import { smokeInputs, smokeOutputs } from '../smoke-test-service/inputs.ts';

// The pipeline takes the four actions' inputs under the same names. Where two actions share a name the
// meaning is the same; deploy-model's description is kept.
const {
  'endpoint-prefix': _p,
  'older-than-hours': _o,
  'delete-model': _m,
  'model-action': _a,
  ...deleteShared
} = deleteInputs;

export const pipelineInputs = {
  ...registerInputs,
  'model-name': {
    ...registerInputs['model-name'],
    description:
      'Register the model under this name first (with `model-path` or `model-file`); else `model` is deployed.',
  },
  ...smokeInputs,
  ...deleteShared,
  ...deployInputs,
  'request-file': {
    ...smokeInputs['request-file'],
    description:
      'Request file or glob to smoke test the new deployment with (also the gate before traffic moves on Azure ML).',
  },
  'delete-after': input(bool(), {
    description: 'Delete the endpoint at the end, whatever happened (throw-away previews).',
    default: 'false',
  }),
};

export const pipelineOutputs = { ...registerOutputs, ...deployOutputs, ...smokeOutputs, ...deleteOutputs };
