import { azureInputs, contentInputs, targetInputs } from '../shared/common-inputs.ts';
import { input } from '../shared/define-inputs.ts';
import {
  bool,
  decimal,
  duration,
  envVarMap,
  integer,
  oneOf,
  optionalString,
  setOverrides,
} from '../shared/input-types.ts';

export const deployInputs = {
  'endpoint-file': input(optionalString(), {
    description: 'An `az ml` v2 endpoint YAML (managed or Kubernetes online, or batch), used as-is.',
  }),
  'deployment-file': input(optionalString(), {
    description:
      'An `az ml` v2 deployment YAML (managed or Kubernetes online, or a batch model deployment), used as-is.',
  }),
  'inference-config': input(optionalString(), {
    description:
      'A v1 `inferenceconfig.json` (entry script, source directory, environment), translated to v2.',
  }),
  'deployment-config': input(optionalString(), {
    description: 'A v1 `deploymentconfig.json` (`computeType` local, ACI or AKS), translated to v2.',
  }),
  'endpoint-name': input(optionalString(), {
    description:
      'Endpoint name (overrides the files). May contain `{pr}` (pull request number) and `{repo-hash}` (6 hex of the repository name) for per-PR previews.',
  }),
  'deployment-name': input(optionalString(), {
    description: "Deployment name (overrides the files). Default: the file's name, else `blue`.",
  }),
  set: input(setOverrides(), {
    description:
      'Overrides of the deployment YAML, as `az ml --set`: `dotted.path=value` per line (or a comma list), e.g. `instance_count=2` and `environment_variables.MODE=fast`; checked like the file.',
  }),
  strict: input(bool(), {
    description:
      'Fail (before any change) on keys of the config files that are ignored: unknown (with a suggestion) or not supported by this tool. Default: a warning, in the log and the job summary.',
    default: 'false',
  }),
  model: input(optionalString(), {
    description:
      'Model: `NAME:VERSION`, `NAME@latest`, `azureml:...`, or a local path (registered first). Overrides the files.',
  }),
  'code-path': input(optionalString(), {
    description: 'Folder with the entry script (the code configuration).',
  }),
  'scoring-script': input(optionalString(), {
    description: 'Entry script defining `init()` and `run(raw_data)`, relative to `code-path`.',
  }),
  environment: input(optionalString(), {
    description: 'Environment: `azureml:NAME:VERSION`, `azureml:NAME@latest`, or a container image.',
  }),
  'conda-file': input(optionalString(), { description: 'Conda file for an image environment.' }),
  'environment-variables': input(envVarMap(), {
    description: 'Environment variables for the scoring container: multiline `KEY=value` or a JSON object.',
  }),
  'instance-type': input(optionalString(), {
    description: 'VM size of a managed deployment (e.g. `Standard_DS3_v2`) or a Kubernetes instance type.',
  }),
  'instance-count': input(integer({ min: 1, max: 1000 }), { description: 'Number of instances.' }),
  'compute-name': input(optionalString(), {
    description:
      'Kubernetes: the attached Kubernetes compute (makes the endpoint a Kubernetes online endpoint). Batch: the compute cluster the jobs run on.',
  }),
  traffic: input(optionalString(), {
    description:
      "Traffic after the rollout: `all` (default), `none`, `blue-green`, `canary=N`, `progressive=10,50,100` (Azure ML online: steps, each gated on the new deployment against the old one), or an explicit map `blue=90,green=10`. Wins over `traffic:` in the endpoint YAML. Batch endpoints: `all` makes the deployment the endpoint's default, `none` leaves the default.",
  }),
  'mirror-traffic': input(optionalString(), {
    description: 'Mirror (shadow) traffic map, e.g. `green=10` (at most 50%; not on Kubernetes endpoints).',
  }),
  'smoke-request-file': input(optionalString(), {
    description:
      'With `blue-green` / `canary` / `progressive`: a request file the new deployment must answer (HTTP 200, through the `azureml-model-deployment` header) before traffic moves; `progressive` also probes the old and the new deployment with it at every step.',
  }),
  'step-wait-seconds': input(duration('seconds', { max: 24 * 3600 }), {
    description:
      '`progressive`: seconds each step waits after setting the shares, before probing both deployments.',
    default: '60',
  }),
  'step-requests': input(integer({ min: 1, max: 10_000 }), {
    description:
      '`progressive`: requests each step sends to the old and to the new deployment (the smoke-request-file requests, 5 at a time).',
    default: '50',
  }),
  'max-error-rate-increase': input(decimal({ min: 0, max: 1 }), {
    description:
      "`progressive`: a step fails when the new deployment's error rate exceeds the old one's by more than this (0.01 = 1 point).",
    default: '0.01',
  }),
  'max-latency-ratio': input(decimal({ min: 1 }), {
    description:
      "`progressive`: a step fails when the new deployment's p95 latency exceeds this times the old one's and is more than 25 ms slower.",
    default: '1.5',
  }),
  'mirror-first-seconds': input(duration('seconds', { max: 24 * 3600 }), {
    description:
      "`progressive`: mirror the first step's share of the live traffic (at most 50%) to the new deployment this long, then compare both, before the first step. 0: no mirror phase.",
    default: '0',
  }),
  'rollback-on-failure': input(bool(), {
    description: 'On failure, restore the previous traffic and mirror maps exactly.',
    default: 'true',
  }),
  'delete-failed-deployment': input(bool(), {
    description: 'Delete a deployment this run created when it failed.',
    default: 'false',
  }),
  wait: input(bool(), {
    description:
      'Wait for the deployment to reach a terminal state. Deployments are always waited for in this version (traffic moves only after a terminal state; a local host answers in under a second); `false` is accepted with a warning.',
    default: 'true',
  }),
  'timeout-minutes': input(duration('minutes', { max: 24 * 60 }), {
    description: 'How long to wait for a terminal state before failing.',
    default: '30',
  }),
  'dry-run': input(bool(), {
    description: 'Print the plan (what would be created, changed, shifted) and change nothing.',
    default: 'false',
  }),
  'local-runtime': input(oneOf(['auto', 'docker'] as const), {
    description:
      'Local target host: `auto` (`azmlinfsrv` when on PATH, else the bundled stdlib-only host) or `docker` (needs a Docker engine and an image).',
    default: 'auto',
  }),
  python: input(optionalString(), {
    description: 'Local target: the Python interpreter that runs the entry script. Default: `python3`.',
  }),
  port: input(integer({ min: 1, max: 65535 }), {
    description: 'Local target: the port to listen on. Default: a free port.',
  }),
  ...contentInputs,
  ...targetInputs,
  ...azureInputs,
};

export const deployOutputs = {
  'endpoint-name': { description: 'Endpoint name (after `{pr}` / `{repo-hash}` expansion).' },
  'deployment-name': { description: 'Deployment name.' },
  'scoring-uri': { description: 'Scoring URI of the endpoint.' },
  'swagger-uri': { description: 'Swagger (OpenAPI) URI of the endpoint.' },
  state: {
    description: 'Service state: `Transitioning`, `Healthy`, `Unhealthy`, `Unschedulable` or `Failed`.',
  },
  'provisioning-state': { description: 'Raw provisioning state (ARM; `Succeeded`/`Failed` locally).' },
  traffic: { description: "JSON map of the endpoint's traffic after the run." },
  'previous-traffic': { description: "JSON map of the endpoint's traffic before the run." },
  changed: { description: '`false` when the re-run found nothing to do.' },
  plan: { description: 'JSON: what was done or, with `dry-run`, what would be done.' },
  'logs-file': { description: 'Path of the captured container/host logs when the deployment failed.' },
  steps: {
    description:
      '`progressive`: JSON list, one entry per step run: share, maps, requests, errors and p50/p95 of the old and the new deployment, verdict and reasons.',
  },
};
