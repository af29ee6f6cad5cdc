// Config files (v2 YAML or v1 JSON) + inputs → the one deployment request the targets take. Inputs win
// over the files, here and nowhere else. Pure validation: nothing here touches a target.

import path from 'node:path';
import type { DeploymentConfigOverrides } from '../../config/load-deployment-config.ts';
import { parseEnvironmentRef, parseModelRef, validateResourceName } from '../../config/references.ts';
import { type ConfigOverride, nameOverride } from '../../config/set-entries.ts';
import type { LoadedDeploymentConfig } from '../../config/spec.ts';
import { UsageError } from '../../errors.ts';
import type { DeployRequest } from '../../targets/target.ts';
import { expandEndpointName } from './preview-name.ts';

export interface DeployInputsForMerge {
  'endpoint-name': string | undefined;
  'deployment-name': string | undefined;
  model: string | undefined;
  'code-path': string | undefined;
  'scoring-script': string | undefined;
  environment: string | undefined;
  'conda-file': string | undefined;
  'environment-variables': Record<string, string>;
  port: number | undefined;
  'instance-type': string | undefined;
  'instance-count': number | undefined;
  'compute-name': string | undefined;
  set: ConfigOverride[];
}

/**
 * What the inputs change in the v2 files before they are validated, as `az ml … --endpoint-name X --name Y
 * --set path=value`: endpoint-name fills or replaces the endpoint file's `name` and the deployment file's
 * `endpoint_name` (a placeholder there is fine), deployment-name the deployment file's `name`, and each `set`
 * entry its path in the deployment file, in order. The same schema then checks file and inputs alike.
 */
export function configOverrides(
  inputs: Pick<DeployInputsForMerge, 'endpoint-name' | 'deployment-name' | 'set'>,
  env: NodeJS.ProcessEnv,
): DeploymentConfigOverrides {
  const endpoint: ConfigOverride[] = [];
  const deployment: ConfigOverride[] = [];
  if (inputs['endpoint-name']) {
    const name = expandEndpointName(inputs['endpoint-name'], env);
    endpoint.push(nameOverride('name', name, 'endpoint-name'));
    deployment.push(nameOverride('endpoint_name', name, 'endpoint-name'));
  }
  if (inputs['deployment-name']) {
    deployment.push(nameOverride('name', inputs['deployment-name'], 'deployment-name'));
  }
  deployment.push(...inputs.set);
  return { endpoint, deployment };
}

export function mergeDeployRequest(
  inputs: DeployInputsForMerge,
  loaded: LoadedDeploymentConfig | undefined,
  cwd: string,
  env: NodeJS.ProcessEnv,
): DeployRequest {
  const dep = loaded?.deployment ?? {};
  const rawEndpoint = inputs['endpoint-name'] ?? loaded?.endpoint?.name ?? dep.endpointName;
  if (!rawEndpoint) {
    throw new UsageError(
      'is required (give endpoint-name, or an endpoint-file / deployment-file that names it)',
      'endpoint-name',
    );
  }
  const endpointName = expandEndpointName(rawEndpoint, env).toLowerCase();
  const deploymentName = (inputs['deployment-name'] ?? dep.name ?? 'blue').toLowerCase();
  for (const [kind, name, input] of [
    ['endpoint', endpointName, 'endpoint-name'],
    ['deployment', deploymentName, 'deployment-name'],
  ] as const) {
    const problem = validateResourceName(kind, name);
    if (problem) throw new UsageError(problem, input);
  }

  const given = inputs.model ? parseModelRef(inputs.model, { input: 'model', cwd }) : dep.model;
  // An inline model (a path with no name) is registered as `<endpoint>-<deployment>-model`, not after its
  // folder: every az ml sample has `model: {path: ./model}`, and "model" would be everyone's model.
  const model =
    given?.kind === 'path' && !given.name
      ? { ...given, name: inlineModelName(endpointName, deploymentName) }
      : given;

  let code = dep.code;
  if (inputs['code-path'] || inputs['scoring-script']) {
    const codePath = inputs['code-path'] ?? (code?.code.kind === 'path' ? code.code.path : undefined);
    const script = inputs['scoring-script'] ?? code?.scoringScript;
    if (!codePath) throw new UsageError('is required with scoring-script', 'code-path');
    if (!script) throw new UsageError('is required with code-path', 'scoring-script');
    code = { code: { kind: 'path', path: path.resolve(cwd, codePath) }, scoringScript: script };
  }

  let environment = dep.environment;
  if (inputs.environment)
    environment = parseEnvironmentRef(inputs.environment, { input: 'environment', cwd });
  if (inputs['conda-file']) {
    if (environment && environment.kind !== 'inline') {
      throw new UsageError(
        'goes with an image environment, not a registered environment reference',
        'conda-file',
      );
    }
    environment = {
      ...(environment ?? { kind: 'inline' as const }),
      kind: 'inline',
      condaFile: { path: path.resolve(cwd, inputs['conda-file']), content: undefined },
    };
  }

  const port = inputs.port ?? loaded?.localPort;
  const instanceType = inputs['instance-type'] ?? dep.instanceType;
  const instanceCount = inputs['instance-count'] ?? dep.instanceCount;
  const computeName = inputs['compute-name'] ?? loaded?.computeName;
  return {
    ...(loaded?.endpointKind ? { endpointKind: loaded.endpointKind } : {}),
    endpointName,
    deploymentName,
    endpoint: loaded?.endpoint ?? {},
    deployment: {
      ...dep,
      ...(instanceType ? { instanceType } : {}),
      ...(instanceCount !== undefined ? { instanceCount } : {}),
    },
    ...(computeName ? { computeName } : {}),
    ...(model ? { model } : {}),
    ...(code ? { code } : {}),
    ...(environment ? { environment } : {}),
    environmentVariables: { ...dep.environmentVariables, ...inputs['environment-variables'] },
    ...(port !== undefined ? { port } : {}),
    ...(loaded?.batch ? { batch: loaded.batch } : {}),
    notes: loaded?.notes ?? [],
  };
}

/** The name of an inline model that names itself nowhere (the rule is stated here once; README). */
export function inlineModelName(endpointName: string, deploymentName: string): string {
  return `${endpointName}-${deploymentName}-model`;
}
