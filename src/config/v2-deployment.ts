// az ml v2 online deployment YAML (managedOnlineDeployment / kubernetesOnlineDeployment) → DeploymentSpec.
// Kubernetes only when `type` is exactly `kubernetes`, as az ml decides; relative paths resolve against
// the YAML file's folder; a local scoring script must exist under the code folder.

import path from 'node:path';
import { z } from 'zod';
import {
  camelToSnake,
  compact,
  envVarMap,
  instanceCount,
  intInRange,
  isPlainObject,
  type LoadContext,
  lowerEnum,
  nonNegativeInt,
  parseNested,
  pyBool,
  snakeEnum,
  stringMap,
} from './field-schemas.ts';
import { ignored, type KnownKeys, knownKeys, mappingOf, noteUnknownKeys, silent } from './known-keys.ts';
import { pathKind } from './local-paths.ts';
import { readCodeRef, readEnvironmentRef, readModelRef, validateResourceName } from './references.ts';
import { parseWithSchema } from './schema-issues.ts';
import { readSourceFile, type SourceFile } from './source-file.ts';
import type {
  CodeConfiguration,
  ComputeKind,
  ConfigNote,
  DeploymentSpec,
  EnvironmentRef,
  ModelRef,
  ProbeSettings,
  RequestSettings,
  ResourceAmounts,
  ScaleSettings,
} from './spec.ts';
import { ENVIRONMENT_KEYS, inlineEnvironmentSchema, loadV2Environment } from './v2-environment.ts';
import { MODEL_KEYS, modelFieldsSchema } from './v2-model.ts';

const PROBE_KEYS = knownKeys('initial_delay', 'period', 'timeout', 'success_threshold', 'failure_threshold');
const RESOURCE_KEYS = knownKeys('cpu', 'memory', 'gpu', 'nvidia.com/gpu');

const COMMON_KEYS: KnownKeys = {
  $schema: silent,
  id: silent,
  provisioning_state: silent,
  ...knownKeys('name', 'endpoint_name', 'type', 'description', 'tags', 'properties', 'model_mount_path'),
  ...knownKeys('environment_variables', 'app_insights_enabled', 'instance_type', 'instance_count'),
  model: mappingOf(MODEL_KEYS),
  environment: mappingOf(ENVIRONMENT_KEYS),
  code_configuration: mappingOf(knownKeys('code', 'scoring_script')),
  scale_settings: mappingOf(
    knownKeys('type', 'min_instances', 'max_instances', 'polling_interval', 'target_utilization_percentage'),
  ),
  request_settings: mappingOf(
    knownKeys('request_timeout_ms', 'max_concurrent_requests_per_instance', 'max_queue_wait_ms'),
  ),
  liveness_probe: mappingOf(PROBE_KEYS),
  readiness_probe: mappingOf(PROBE_KEYS),
  data_collector: ignored('data_collector is not supported by this tool; ignored'),
};

const MANAGED_KEYS: KnownKeys = {
  ...COMMON_KEYS,
  egress_public_network_access: { kind: 'known' },
  private_network_connection: ignored(
    'private_network_connection is not part of the current API; ignored (use egress_public_network_access)',
  ),
  resources: ignored('resources is used only by Kubernetes deployments (type: kubernetes); ignored'),
};

const KUBERNETES_KEYS: KnownKeys = {
  ...COMMON_KEYS,
  resources: mappingOf({ requests: mappingOf(RESOURCE_KEYS), limits: mappingOf(RESOURCE_KEYS) }),
  egress_public_network_access: ignored(
    'egress_public_network_access is not supported on Kubernetes; ignored',
  ),
  private_network_connection: ignored('private_network_connection is not supported on Kubernetes; ignored'),
};

type Issue = (at: (string | number)[], message: string) => void;

function issuer(zctx: z.core.$RefinementCtx): Issue {
  return (at, message) => zctx.addIssue({ code: 'custom', path: at, message });
}

/** An endpoint or deployment name: validated as written, then lower-cased as az ml does. */
export function resourceNameSchema(kind: 'endpoint' | 'deployment') {
  return z.string().transform((name, zctx) => {
    const problem = validateResourceName(kind, name);
    if (problem) {
      issuer(zctx)([], problem);
      return z.NEVER;
    }
    return name.toLowerCase();
  });
}

const probeSchema = z
  .object({
    initial_delay: nonNegativeInt.optional(),
    period: nonNegativeInt.optional(),
    timeout: nonNegativeInt.optional(),
    success_threshold: nonNegativeInt.optional(),
    failure_threshold: nonNegativeInt.optional(),
  })
  .transform(
    (p): ProbeSettings =>
      compact({
        initialDelaySeconds: p.initial_delay,
        periodSeconds: p.period,
        timeoutSeconds: p.timeout,
        successThreshold: p.success_threshold,
        failureThreshold: p.failure_threshold,
      }),
  );

const requestSettingsSchema = z
  .object({
    request_timeout_ms: nonNegativeInt.optional(),
    max_concurrent_requests_per_instance: nonNegativeInt.optional(),
    max_queue_wait_ms: nonNegativeInt.optional(),
  })
  .transform(
    (r): RequestSettings =>
      compact({
        requestTimeoutMs: r.request_timeout_ms,
        maxConcurrentRequestsPerInstance: r.max_concurrent_requests_per_instance,
        maxQueueWaitMs: r.max_queue_wait_ms,
      }),
  );

function scaleSettingsSchema(kind: ComputeKind) {
  return z
    .object({
      type: snakeEnum(['default', 'target_utilization']),
      min_instances: nonNegativeInt.optional(),
      max_instances: nonNegativeInt.optional(),
      polling_interval: nonNegativeInt.optional(),
      target_utilization_percentage: intInRange(1, 100).optional(),
    })
    .transform((s, zctx): ScaleSettings => {
      const issue = issuer(zctx);
      if (s.type === 'default') {
        for (const key of [
          'min_instances',
          'max_instances',
          'polling_interval',
          'target_utilization_percentage',
        ] as const) {
          if (s[key] !== undefined) issue([key], 'is only allowed with type target_utilization');
        }
        return { type: 'default' };
      }
      if (kind === 'managed') {
        issue(['type'], 'managed deployments support only type default (scale them with instance_count)');
      }
      if (
        s.min_instances !== undefined &&
        s.max_instances !== undefined &&
        s.min_instances > s.max_instances
      ) {
        issue(['min_instances'], `must not be greater than max_instances (${s.max_instances})`);
      }
      return compact({
        type: 'target_utilization' as const,
        minInstances: s.min_instances,
        maxInstances: s.max_instances,
        pollingIntervalSeconds: s.polling_interval,
        targetUtilizationPercentage: s.target_utilization_percentage,
      });
    });
}

/** Kubernetes quantities are YAML strings in az ml: `cpu: 1` is rejected, `cpu: "1"` is right. */
const quantitySchema = z.unknown().transform((v, zctx): string => {
  if (typeof v === 'string' && v.trim() !== '') return v;
  const issue = issuer(zctx);
  if (typeof v === 'string') issue([], 'must not be empty');
  else if (v === null) issue([], 'expected a string (the value is empty)');
  else {
    const example = typeof v === 'number' ? String(v) : '0.5';
    issue([], `must be a string like "${example}" (Kubernetes resources are strings)`);
  }
  return z.NEVER;
});

const resourceAmountsSchema = z
  .object({
    cpu: quantitySchema.optional(),
    memory: quantitySchema.optional(),
    gpu: quantitySchema.optional(),
    'nvidia.com/gpu': quantitySchema.optional(),
  })
  .transform((r, zctx): ResourceAmounts => {
    if (r.gpu !== undefined && r['nvidia.com/gpu'] !== undefined) {
      issuer(zctx)(['nvidia.com/gpu'], 'give either gpu or nvidia.com/gpu, not both');
    }
    return compact({ cpu: r.cpu, memory: r.memory, gpu: r.gpu ?? r['nvidia.com/gpu'] });
  });

const resourcesSchema = z
  .object({ requests: resourceAmountsSchema.optional(), limits: resourceAmountsSchema.optional() })
  .transform((r) => compact({ requests: r.requests, limits: r.limits }));

export function modelSchema(ctx: LoadContext) {
  const inline = modelFieldsSchema(ctx, { inline: true });
  return z.unknown().transform((v, zctx): ModelRef => {
    if (typeof v === 'string') {
      const result = readModelRef(v, 'file', ctx.source.dir);
      if (result.ok) return result.ref;
      issuer(zctx)([], result.error);
      return z.NEVER;
    }
    if (isPlainObject(v)) {
      const m = parseNested(inline, v, zctx);
      return compact({ kind: 'path' as const, path: m.path, name: m.name, version: m.version, type: m.type });
    }
    issuer(zctx)(
      [],
      v === null
        ? 'expected a model reference or mapping (the value is empty)'
        : 'expected a model reference or mapping',
    );
    return z.NEVER;
  });
}

export function environmentSchema(ctx: LoadContext) {
  const inline = inlineEnvironmentSchema(ctx);
  return z.unknown().transform((v, zctx): EnvironmentRef => {
    const issue = issuer(zctx);
    if (typeof v === 'string') {
      if (v.startsWith('file:')) {
        const relative = v.slice('file:'.length).trim();
        const shown = ctx.source.displayPath(relative);
        if (!relative || pathKind(path.resolve(ctx.source.dir, relative)) !== 'file') {
          issue([], `file not found: ${shown}`);
          return z.NEVER;
        }
        // Paths inside that file resolve against its own folder.
        return loadV2Environment(shown, ctx.notes);
      }
      const result = readEnvironmentRef(v, 'file');
      if (result.ok) return result.ref;
      issue([], result.error);
      return z.NEVER;
    }
    if (isPlainObject(v)) return parseNested(inline, v, zctx);
    issue(
      [],
      v === null
        ? 'expected an environment reference or mapping (the value is empty)'
        : 'expected an environment reference or mapping',
    );
    return z.NEVER;
  });
}

export function codeConfigurationSchema(source: SourceFile) {
  return z
    .object({ code: z.unknown().optional(), scoring_script: z.string().min(1).optional() })
    .transform((c, zctx): CodeConfiguration => {
      const issue = issuer(zctx);
      if (c.code === undefined) {
        issue(['code'], 'is required');
        return z.NEVER;
      }
      if (typeof c.code !== 'string') {
        issue(['code'], 'expected a string: a local folder or azureml:NAME:VERSION');
        return z.NEVER;
      }
      const result = readCodeRef(c.code, 'file', source.dir);
      if (!result.ok) {
        issue(['code'], result.error);
        return z.NEVER;
      }
      if (c.scoring_script === undefined) {
        issue(['scoring_script'], 'is required with code');
        return z.NEVER;
      }
      const code = result.ref;
      if (code.kind === 'path') {
        const kind = pathKind(code.path);
        if (kind !== 'folder') {
          const shown = source.displayPath(c.code);
          issue(
            ['code'],
            kind === 'file' ? `must be a folder, not a file: ${shown}` : `folder not found: ${shown}`,
          );
        } else {
          const script = path.resolve(code.path, c.scoring_script);
          const relative = path.relative(code.path, script);
          if (relative.startsWith('..') || path.isAbsolute(relative)) {
            issue(['scoring_script'], 'must be inside the code folder');
          } else if (pathKind(script) !== 'file') {
            issue(
              ['scoring_script'],
              `file not found: ${source.displayPath(path.join(c.code, c.scoring_script))}`,
            );
          }
        }
      }
      return { code, scoringScript: c.scoring_script };
    });
}

function deploymentSchema(kind: ComputeKind, ctx: LoadContext) {
  const { source } = ctx;
  return z
    .object({
      name: resourceNameSchema('deployment'),
      endpoint_name: resourceNameSchema('endpoint'),
      type: snakeEnum(['managed', 'kubernetes']).optional(),
      description: z.string().optional(),
      tags: stringMap(ctx).optional(),
      properties: stringMap(ctx).optional(),
      model: modelSchema(ctx).optional(),
      model_mount_path: z.string().min(1).optional(),
      code_configuration: codeConfigurationSchema(source).optional(),
      environment: environmentSchema(ctx).optional(),
      environment_variables: envVarMap(ctx, 'error').optional(),
      app_insights_enabled: pyBool.optional(),
      instance_type: kind === 'managed' ? z.string().min(1) : z.string().min(1).optional(),
      instance_count: instanceCount.optional(),
      scale_settings: scaleSettingsSchema(kind).optional(),
      request_settings: requestSettingsSchema.optional(),
      liveness_probe: probeSchema.optional(),
      readiness_probe: probeSchema.optional(),
      egress_public_network_access:
        kind === 'managed' ? lowerEnum(['enabled', 'disabled']).optional() : z.unknown().optional(),
      resources: kind === 'kubernetes' ? resourcesSchema.optional() : z.unknown().optional(),
    })
    .transform((d, zctx): DeploymentSpec => {
      if (kind === 'kubernetes') {
        const issue = issuer(zctx);
        const registry = 'registry references are not supported for Kubernetes deployments';
        if (d.model?.kind === 'registry') issue(['model'], registry);
        if (d.environment?.kind === 'registry') issue(['environment'], registry);
        if (d.code_configuration?.code.kind === 'registry') issue(['code_configuration', 'code'], registry);
      }
      return compact({
        name: d.name,
        endpointName: d.endpoint_name,
        computeKind: kind,
        description: d.description,
        tags: d.tags ?? {},
        properties: d.properties ?? {},
        model: d.model,
        modelMountPath: d.model_mount_path,
        code: d.code_configuration,
        environment: d.environment,
        environmentVariables: d.environment_variables ?? {},
        appInsightsEnabled: d.app_insights_enabled ?? false,
        instanceType: d.instance_type,
        instanceCount: d.instance_count,
        scaleSettings: d.scale_settings,
        requestSettings: d.request_settings,
        livenessProbe: d.liveness_probe,
        readinessProbe: d.readiness_probe,
        resources: kind === 'kubernetes' ? (d.resources as DeploymentSpec['resources']) : undefined,
        egressPublicNetworkAccess:
          kind === 'managed'
            ? (d.egress_public_network_access as DeploymentSpec['egressPublicNetworkAccess'])
            : undefined,
        origin: { file: source.file },
      });
    });
}

/** az ml picks the Kubernetes schema only for exactly `type: kubernetes`; other spellings stay managed. */
function deploymentKind(source: SourceFile, notes: ConfigNote[]): ComputeKind {
  const type = isPlainObject(source.value) ? source.value['type'] : undefined;
  if (type === 'kubernetes') return 'kubernetes';
  if (typeof type === 'string' && camelToSnake(type) === 'kubernetes') {
    notes.push({
      level: 'warning',
      message:
        `type '${type}' is treated as a managed deployment, as az ml does (it selects Kubernetes only for ` +
        "exactly 'kubernetes'); write type: kubernetes for a Kubernetes deployment",
      file: source.file,
      line: source.positionOf(['type']).line,
      field: 'type',
    });
  }
  return 'managed';
}

/** Reads a deployment YAML and keeps its source (the caller reports endpoint_name mismatches on its line). */
export function readV2Deployment(
  file: string,
  notes: ConfigNote[] = [],
): { spec: DeploymentSpec; source: SourceFile } {
  const source = readSourceFile(file);
  return { spec: deploymentFromSource(source, notes), source };
}

/** From an already parsed file. */
export function deploymentFromSource(source: SourceFile, notes: ConfigNote[] = []): DeploymentSpec {
  const kind = deploymentKind(source, notes);
  noteUnknownKeys(source, kind === 'kubernetes' ? KUBERNETES_KEYS : MANAGED_KEYS, notes);
  return parseWithSchema(deploymentSchema(kind, { source, notes }), source);
}

/** An az ml v2 online deployment YAML file. Notes (unknown keys, quirks) are added to `notes`. */
export function loadV2Deployment(file: string, notes: ConfigNote[] = []): DeploymentSpec {
  return readV2Deployment(file, notes).spec;
}
