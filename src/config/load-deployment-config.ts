// The deployment config files of deploy-model, in either form: az ml v2 YAML (endpoint-file +
// deployment-file) or v1 JSON (inference-config + deployment-config), never both. Inputs override what
// this returns; the target is decided later (a v1 `computeType: local` only hints at it).

import { ConfigError, UsageError } from '../errors.ts';
import { type ConfigOverride, withOverrides } from './overrides.ts';
import { readSourceFile, type SourceFile } from './source-file.ts';
import type { ConfigNote, LoadedDeploymentConfig } from './spec.ts';
import { loadV1DeploymentConfig } from './v1-deployment.ts';
import { loadV1InferenceConfig } from './v1-inference.ts';
import { isBatchConfig, loadBatchConfig } from './v2-batch.ts';
import { deploymentFromSource } from './v2-deployment.ts';
import { endpointFromSource } from './v2-endpoint.ts';

export interface DeploymentConfigFiles {
  /** az ml v2 online or batch endpoint YAML */
  endpointFile?: string;
  /** az ml v2 online or batch deployment YAML */
  deploymentFile?: string;
  /** v1 inferenceconfig.json (or .yml) */
  inferenceConfig?: string;
  /** v1 deploymentconfig.json (or .yml) */
  deploymentConfig?: string;
}

/** Input overrides of the v2 files' fields (built in src/actions/shared/merge-spec.ts), applied before validation. */
export interface DeploymentConfigOverrides {
  endpoint?: ConfigOverride[];
  deployment?: ConfigOverride[];
}

export function loadDeploymentConfig(
  files: DeploymentConfigFiles,
  overrides: DeploymentConfigOverrides = {},
): LoadedDeploymentConfig {
  const v2 = [files.endpointFile && 'endpoint-file', files.deploymentFile && 'deployment-file'].filter(
    Boolean,
  );
  const v1 = [
    files.inferenceConfig && 'inference-config',
    files.deploymentConfig && 'deployment-config',
  ].filter(Boolean);
  if (v2.length > 0 && v1.length > 0) {
    throw new UsageError(
      `${[...v2, ...v1].join(', ')}: use either endpoint-file + deployment-file (az ml v2 YAML) or ` +
        'inference-config + deployment-config (v1 JSON), not both',
    );
  }
  const notes: ConfigNote[] = [];
  const sets = (overrides.deployment ?? []).filter((o) => o.input === 'set');
  if (sets.length > 0 && !files.deploymentFile) {
    throw new UsageError(
      v1.length > 0
        ? 'changes fields of an az ml v2 deployment YAML (deployment-file), not of the v1 JSON files'
        : 'changes fields of the deployment YAML: give deployment-file',
      'set',
    );
  }
  return v1.length > 0 ? loadV1(files, notes) : loadV2(files, notes, overrides);
}

function loadV2(
  files: DeploymentConfigFiles,
  notes: ConfigNote[],
  overrides: DeploymentConfigOverrides,
): LoadedDeploymentConfig {
  if (isBatchConfig(files)) {
    return loadBatchConfig(files, notes, (file, which) =>
      withOverrides(readSourceFile(file), overrides[which] ?? []),
    );
  }
  const read = <T>(file: string, with_: ConfigOverride[] | undefined, from: (s: SourceFile) => T) => {
    const source = withOverrides(readSourceFile(file), with_ ?? []);
    return { spec: from(source), source };
  };
  const endpoint = files.endpointFile
    ? read(files.endpointFile, overrides.endpoint, (s) => endpointFromSource(s, notes))
    : undefined;
  const deployment = files.deploymentFile
    ? read(files.deploymentFile, overrides.deployment, (s) => deploymentFromSource(s, notes))
    : undefined;
  if (endpoint && deployment) {
    const { spec, source } = deployment;
    if (spec.endpointName !== endpoint.spec.name) {
      throw source.errorAt(
        ['endpoint_name'],
        `'${spec.endpointName}' does not match the name '${endpoint.spec.name}' in ${endpoint.source.file}`,
      );
    }
    if (spec.computeKind !== endpoint.spec.computeKind) {
      const line = source.positionOf(['type']).line;
      throw new ConfigError({
        file: source.file,
        line,
        field: 'type',
        message:
          spec.computeKind === 'kubernetes'
            ? `a Kubernetes deployment needs a Kubernetes endpoint (compute: azureml:...), but ${endpoint.source.file} describes a managed one`
            : `a managed deployment cannot go to the Kubernetes endpoint in ${endpoint.source.file} (write type: kubernetes)`,
      });
    }
  }
  return {
    ...(endpoint ? { endpoint: endpoint.spec } : {}),
    deployment: deployment?.spec ?? {},
    notes,
  };
}

function loadV1(files: DeploymentConfigFiles, notes: ConfigNote[]): LoadedDeploymentConfig {
  const inference = files.inferenceConfig ? loadV1InferenceConfig(files.inferenceConfig, notes) : undefined;
  const config = files.deploymentConfig ? loadV1DeploymentConfig(files.deploymentConfig, notes) : undefined;
  const deployment: LoadedDeploymentConfig['deployment'] = { ...(config?.deployment ?? {}) };
  if (inference) {
    deployment.code = inference.code;
    if (inference.environment) deployment.environment = inference.environment;
    deployment.environmentVariables = inference.environmentVariables;
    if (inference.description && !deployment.description) deployment.description = inference.description;
  }
  return {
    ...(config?.endpoint ? { endpoint: config.endpoint } : {}),
    deployment,
    ...(config?.targetHint ? { targetHint: config.targetHint } : {}),
    ...(config?.localPort !== undefined ? { localPort: config.localPort } : {}),
    ...(config?.computeName ? { computeName: config.computeName } : {}),
    notes,
  };
}
