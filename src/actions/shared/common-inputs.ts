// Inputs shared by every action (ACTIONS.md "Shared inputs"), defined once.

import {
  DEFAULT_API_VERSION,
  DEFAULT_ARM_ENDPOINT,
  DEFAULT_AUTHORITY_HOST,
  FALLBACK_API_VERSIONS,
} from '../../config/azure-cloud.ts';
import { input } from './define-inputs.ts';
import { bool, oneOf, optionalString } from './input-types.ts';

export const targetInputs = {
  target: input(oneOf(['azureml', 'local'] as const), {
    description:
      'Where to work: `azureml` (default when a workspace is known from inputs or a config file) or `local` (this machine; default when no workspace is given).',
  }),
  'workspace-config': input(optionalString(), {
    description:
      'Path to an Azure ML `config.json` (`subscription_id`, `resource_group`, `workspace_name`). Default: `.azureml/config.json` or `config.json` when present.',
  }),
  'subscription-id': input(optionalString(), {
    description: 'Azure subscription id (overrides the config file).',
  }),
  'resource-group': input(optionalString(), {
    description: 'Resource group of the workspace (overrides the config file).',
  }),
  'workspace-name': input(optionalString(), {
    description: 'Azure ML workspace name (overrides the config file).',
  }),
  'local-dir': input(optionalString(), {
    description:
      'State of the local target (model registry, running services, logs), relative to the workspace; also where Azure ML runs keep logs and the hash cache.',
    default: '.azureml-local',
  }),
  summary: input(bool(), { description: 'Write the job summary.', default: 'true' }),
  'github-token': input(optionalString(), {
    description: 'Token for PR comments and GitHub Deployments.',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression for action.yml, not JS
    runnerDefault: '${{ github.token }}',
    secret: true,
  }),
  'pr-comment': input(oneOf(['auto', 'true', 'false'] as const), {
    description:
      'On pull requests, keep one comment per endpoint up to date, with a section per action: `auto` (on pull_request events with a token), `true` or `false`. Needs `pull-requests: write`.',
    default: 'auto',
  }),
  'github-deployment': input(optionalString(), {
    description:
      'A GitHub environment name: record a GitHub Deployment with its status (in_progress, success with the scoring URI, failure; inactive when deleted). Needs `deployments: write`.',
  }),
  'upload-artifacts': input(oneOf(['on-failure', 'always', 'never'] as const), {
    description:
      'Upload logs and plans (secrets redacted) as a workflow artifact: `on-failure`, `always` or `never`.',
    default: 'on-failure',
  }),
};

/** What goes into a model or code folder (register-model, deploy-model). */
export const contentInputs = {
  'follow-symlinks': input(bool(), {
    description:
      'Upload what symlinks that leave a model or code folder point at, and (on a runner) allow model and code paths outside `GITHUB_WORKSPACE`. Default: such links and paths are refused, naming them.',
    default: 'false',
  }),
};

/** How the Azure actions authenticate and which cloud they talk to (ACTIONS.md "Shared inputs"). */
export const azureInputs = {
  'client-id': input(optionalString(), {
    description:
      'Entra application (client) id. With `permissions: id-token: write`: OIDC workload identity done by the action, minting a fresh GitHub ID token whenever a new Entra token is needed. With `client-secret`: a service principal secret. Neither: the `az` session left by azure/login.',
  }),
  'tenant-id': input(optionalString(), { description: 'Entra tenant id (with `client-id`).' }),
  'client-secret': input(optionalString(), {
    description: 'Service principal secret (with `client-id` and `tenant-id`).',
    secret: true,
  }),
  'arm-endpoint': input(optionalString(), {
    description: 'Azure Resource Manager endpoint (sovereign clouds, tests); the token scope follows it.',
    default: DEFAULT_ARM_ENDPOINT,
  }),
  'authority-host': input(optionalString(), {
    description: 'Microsoft Entra authority host.',
    default: DEFAULT_AUTHORITY_HOST,
  }),
  'api-version': input(optionalString(), {
    description: `ARM api-version for Microsoft.MachineLearningServices. Default: \`${DEFAULT_API_VERSION}\`, and when ARM rejects it (a region or cloud without it yet) the previous stable versions in turn (${FALLBACK_API_VERSIONS.map((v) => `\`${v}\``).join(', ')}), with a warning. A version given here is always used as is.`,
  }),
};
