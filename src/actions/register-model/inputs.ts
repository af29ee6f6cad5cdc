import { azureInputs, contentInputs, targetInputs } from '../shared/common-inputs.ts';
import { input } from '../shared/define-inputs.ts';
import { bool, duration, keyValueMap, oneOf, optionalString } from '../shared/input-types.ts';

export const registerInputs = {
  'model-name': input(optionalString(), {
    description: 'Name of the model in the registry (required unless `model-file` names it).',
  }),
  'model-path': input(optionalString(), {
    description:
      'Local file or folder to register (or, on Azure ML, an `azureml://`, `https://` or job-output URI). Relative to the workspace.',
  }),
  'model-version': input(optionalString(), {
    description:
      'Version to create. Default: the next version. If it exists: identical content is reused, different content is an error.',
  }),
  'model-type': input(oneOf(['custom_model', 'mlflow_model', 'triton_model'] as const), {
    description: 'Model type: `custom_model`, `mlflow_model` or `triton_model`.',
    default: 'custom_model',
  }),
  description: input(optionalString(), { description: 'Description of the model version.' }),
  tags: input(keyValueMap(), { description: 'Tags: multiline `key=value` or a JSON object.' }),
  properties: input(keyValueMap(), {
    description: 'Properties (add-only on Azure ML): multiline `key=value` or a JSON object.',
  }),
  'model-file': input(optionalString(), {
    description: 'An `az ml` model YAML (as `az ml model create --file`); inputs override its fields.',
  }),
  dedupe: input(bool(), {
    description:
      'Reuse the latest version when its content is identical (same content hash) instead of creating a new one.',
    default: 'true',
  }),
  'timeout-minutes': input(duration('minutes', { max: 24 * 60 }), {
    description: 'How long hashing, uploading and registering may take before the action gives up.',
    default: '60',
  }),
  ...contentInputs,
  ...targetInputs,
  ...azureInputs,
};

export const registerOutputs = {
  'model-name': { description: 'Name of the registered model.' },
  'model-version': { description: 'Version registered (or reused).' },
  'model-id': { description: 'Reference to use in deployments: `azureml:NAME:VERSION`.' },
  'asset-id': { description: 'ARM id of the model version (Azure ML) or its folder (local).' },
  'model-uri': { description: 'Where the model files are stored.' },
  'content-hash': { description: 'SHA-256 content hash of the model files (`sha256:<hex>`).' },
  reused: { description: '`true` when an existing version with identical content was reused.' },
  'bytes-uploaded': { description: 'Bytes sent to storage (0 when reused or registered from a URI).' },
};
