// az ml v2 batch endpoint and batch deployment YAML (batchEndpoint / batchDeployment / modelBatchDeployment
// schemas) → BatchEndpointSpec / BatchDeploymentSpec, used as-is. The deployment's job settings are read in
// both layouts: the newer `settings:` block and the older top-level keys (az ml sends the same REST fields for
// either). Which kind a pair of files is: batchKindOf, from `$schema`, `type` and the keys only one kind has.

import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import {
  compact,
  envVarMap,
  instanceCount,
  intInRange,
  isPlainObject,
  type LoadContext,
  lowerEnum,
  mapping,
  snakeEnum,
  stringMap,
} from './field-schemas.ts';
import {
  ignored,
  type KnownKeys,
  known,
  knownKeys,
  mappingOf,
  noteUnknownKeys,
  silent,
} from './known-keys.ts';
import { parseWithSchema } from './schema-issues.ts';
import { readSourceFile, type SourceFile } from './source-file.ts';
import type {
  BatchDeploymentSpec,
  BatchEndpointSpec,
  BatchSettings,
  ConfigNote,
  EndpointKind,
  LoadedDeploymentConfig,
} from './spec.ts';
import {
  codeConfigurationSchema,
  environmentSchema,
  modelSchema,
  resourceNameSchema,
} from './v2-deployment.ts';
import { ENVIRONMENT_KEYS } from './v2-environment.ts';
import { MODEL_KEYS } from './v2-model.ts';

const BATCH_ENDPOINT_KEYS: KnownKeys = {
  $schema: silent,
  ...knownKeys('name', 'description', 'tags', 'properties', 'auth_mode'),
  defaults: mappingOf(knownKeys('deployment_name')),
  identity: ignored('identity is not sent for batch endpoints (az ml does not send it either); ignored'),
  location: ignored("location is ignored: endpoints are created in the workspace's region", 'info'),
  id: silent,
  provisioning_state: silent,
  scoring_uri: silent,
  openapi_uri: silent,
  kind: silent,
};

/** Job settings: the same names under `settings:` and (older YAML) at the top level. */
const SETTING_KEYS = [
  'mini_batch_size',
  'max_concurrency_per_instance',
  'output_action',
  'output_file_name',
  'error_threshold',
  'logging_level',
] as const;

const BATCH_DEPLOYMENT_KEYS: KnownKeys = {
  $schema: silent,
  id: silent,
  provisioning_state: silent,
  ...knownKeys('name', 'endpoint_name', 'type', 'description', 'tags', 'properties', 'compute'),
  ...knownKeys('environment_variables', ...SETTING_KEYS),
  retry_settings: mappingOf(knownKeys('max_retries', 'timeout')),
  settings: mappingOf({
    ...knownKeys(...SETTING_KEYS, 'environment_variables', 'instance_count'),
    retry_settings: mappingOf(knownKeys('max_retries', 'timeout')),
  }),
  resources: mappingOf({
    ...knownKeys('instance_count', 'instance_type'),
    properties: known,
    shm_size: ignored('shm_size is not part of the batch deployment API; ignored'),
    docker_args: ignored('docker_args is not part of the batch deployment API; ignored'),
  }),
  model: mappingOf(MODEL_KEYS),
  environment: mappingOf(ENVIRONMENT_KEYS),
  code_configuration: mappingOf(knownKeys('code', 'scoring_script')),
  job_definition: ignored('job_definition (pipeline component deployments) is not supported; ignored'),
};

/** Keys only a batch deployment has (top level). */
const BATCH_ONLY_DEPLOYMENT_KEYS = new Set([
  'compute',
  'settings',
  'retry_settings',
  'job_definition',
  ...SETTING_KEYS,
]);
/** Keys only an online deployment has. */
const ONLINE_ONLY_DEPLOYMENT_KEYS = new Set([
  'instance_type',
  'instance_count',
  'scale_settings',
  'request_settings',
  'liveness_probe',
  'readiness_probe',
  'app_insights_enabled',
  'egress_public_network_access',
  'model_mount_path',
  'data_collector',
]);

/** What a file says it is: by `$schema`, then `type`, then keys only one kind has; undefined when it does not say. */
export function declaredKind(source: SourceFile, file: 'endpoint' | 'deployment'): EndpointKind | undefined {
  const value = source.value;
  if (!isPlainObject(value)) return undefined;
  const schema = typeof value['$schema'] === 'string' ? value['$schema'] : '';
  if (/batch(?:Endpoint|Deployment)\.schema/i.test(schema)) return 'batch';
  if (/online(?:Endpoint|Deployment)\.schema/i.test(schema)) return 'online';
  const keys = Object.keys(value);
  if (file === 'endpoint') {
    if (keys.includes('defaults')) return 'batch';
    if (keys.some((k) => ['traffic', 'mirror_traffic', 'public_network_access', 'compute'].includes(k)))
      return 'online';
    return undefined;
  }
  const type = typeof value['type'] === 'string' ? value['type'].toLowerCase() : undefined;
  if (type === 'model' || type === 'pipeline' || type === 'component') return 'batch';
  if (type === 'managed' || type === 'kubernetes') return 'online';
  if (keys.some((k) => ONLINE_ONLY_DEPLOYMENT_KEYS.has(k))) return 'online';
  if (keys.some((k) => BATCH_ONLY_DEPLOYMENT_KEYS.has(k))) return 'batch';
  // Batch `resources` is about instances; a Kubernetes deployment's is about requests and limits.
  const resources = value['resources'];
  if (
    isPlainObject(resources) &&
    Object.keys(resources).some((k) =>
      ['instance_count', 'instance_type', 'shm_size', 'docker_args'].includes(k),
    )
  )
    return 'batch';
  return undefined;
}

/** True when the v2 files describe a batch endpoint or deployment (either file says so). */
export function isBatchConfig(files: { endpointFile?: string; deploymentFile?: string }): boolean {
  const kinds = [
    files.endpointFile ? declaredKind(readSourceFile(files.endpointFile), 'endpoint') : undefined,
    files.deploymentFile ? declaredKind(readSourceFile(files.deploymentFile), 'deployment') : undefined,
  ];
  return kinds.includes('batch');
}

type Issue = (at: (string | number)[], message: string) => void;
const issuer =
  (zctx: z.core.$RefinementCtx): Issue =>
  (at, message) =>
    zctx.addIssue({ code: 'custom', path: at, message });

function batchEndpointSchema(ctx: LoadContext) {
  return z
    .object({
      name: resourceNameSchema('endpoint'),
      description: z.string().optional(),
      tags: stringMap(ctx).optional(),
      properties: stringMap(ctx).optional(),
      auth_mode: snakeEnum(['key', 'aml_token', 'aad_token']).optional(),
      defaults: z.object({ deployment_name: resourceNameSchema('deployment').optional() }).optional(),
    })
    .transform((e): BatchEndpointSpec => {
      if (e.auth_mode && e.auth_mode !== 'aad_token') {
        ctx.notes.push({
          level: 'warning',
          message: `auth_mode: batch endpoints take Microsoft Entra tokens only (aad_token); '${e.auth_mode}' is sent as written and the service may refuse it`,
          file: ctx.source.file,
          line: ctx.source.positionOf(['auth_mode']).line,
          field: 'auth_mode',
        });
      }
      return compact({
        name: e.name,
        authMode: e.auth_mode ?? 'aad_token',
        description: e.description,
        tags: e.tags ?? {},
        properties: e.properties ?? {},
        defaultDeployment: e.defaults?.deployment_name,
        origin: { file: ctx.source.file },
      });
    });
}

const COMPUTE_ARM_ID =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/workspaces\/[^/]+\/computes\/[^/]+$/i;

/** `azureml:<name>`, a bare name, an ARM id (with or without `azureml:`), or `local`, as az ml takes them. */
const batchComputeSchema = z.string().transform((text, zctx) => {
  const value = text.startsWith('azureml:') ? text.slice('azureml:'.length) : text;
  if (COMPUTE_ARM_ID.test(value) || /^[A-Za-z][A-Za-z0-9_-]*$/.test(value)) return value;
  issuer(zctx)([], `must be azureml:<compute name> or a compute ARM id (got '${text}')`);
  return z.NEVER;
});

const retrySchema = z.object({
  max_retries: intInRange(0).optional(),
  timeout: intInRange(0).optional(),
});

function settingsSchema(ctx: LoadContext) {
  return z.object({
    mini_batch_size: intInRange(1).optional(),
    max_concurrency_per_instance: intInRange(1).optional(),
    output_action: lowerEnum(['append_row', 'summary_only']).optional(),
    output_file_name: z.string().min(1).optional(),
    error_threshold: intInRange(-1).optional(),
    logging_level: z
      .string()
      .refine((v) => ['info', 'warning', 'debug'].includes(v.toLowerCase()), {
        message: 'must be info, warning or debug',
      })
      .optional(),
    retry_settings: retrySchema.optional(),
    environment_variables: envVarMap(ctx, 'error').optional(),
    instance_count: instanceCount.optional(),
  });
}

function batchDeploymentSchema(ctx: LoadContext) {
  const settings = settingsSchema(ctx);
  // az ml has no top-level instance_count for batch (resources.instance_count, or settings.instance_count).
  return settings
    .omit({ instance_count: true })
    .extend({
      name: resourceNameSchema('deployment'),
      endpoint_name: resourceNameSchema('endpoint'),
      type: lowerEnum(['model', 'pipeline', 'component']).optional(),
      description: z.string().optional(),
      tags: stringMap(ctx).optional(),
      properties: stringMap(ctx).optional(),
      model: modelSchema(ctx).optional(),
      code_configuration: codeConfigurationSchema(ctx.source).optional(),
      environment: environmentSchema(ctx).optional(),
      compute: batchComputeSchema.optional(),
      resources: z
        .object({
          instance_count: instanceCount.optional(),
          instance_type: z.string().min(1).optional(),
          properties: mapping.optional(),
        })
        .optional(),
      settings: settings.optional(),
    })
    .transform((d, zctx): BatchDeploymentSpec => {
      const issue = issuer(zctx);
      if (d.type === 'pipeline' || d.type === 'component') {
        issue(['type'], `only model batch deployments are supported (got '${d.type}')`);
      }
      // A setting written both under settings: and at the top level must agree.
      const pick = <K extends keyof typeof d & keyof NonNullable<typeof d.settings>>(key: K) => {
        const inner = d.settings?.[key];
        const outer = d[key];
        if (inner !== undefined && outer !== undefined && JSON.stringify(inner) !== JSON.stringify(outer)) {
          issue(['settings', key], `differs from the top-level ${key}; give it once`);
        }
        return inner ?? outer;
      };
      const retry = pick('retry_settings');
      const s: BatchSettings = compact({
        miniBatchSize: pick('mini_batch_size'),
        maxConcurrencyPerInstance: pick('max_concurrency_per_instance'),
        outputAction: pick('output_action'),
        outputFileName: pick('output_file_name'),
        errorThreshold: pick('error_threshold'),
        loggingLevel: pick('logging_level'),
        retrySettings: retry
          ? compact({ maxRetries: retry.max_retries, timeoutSeconds: retry.timeout })
          : undefined,
      });
      if (s.outputAction === 'summary_only' && s.outputFileName !== undefined) {
        const where =
          d.settings?.output_file_name !== undefined
            ? ['settings', 'output_file_name']
            : ['output_file_name'];
        issue(where, 'goes with output_action append_row only (summary_only writes no output file)');
      }
      const instances = d.resources?.instance_count ?? d.settings?.instance_count;
      const resources =
        d.resources || instances !== undefined
          ? compact({
              instanceCount: instances,
              instanceType: d.resources?.instance_type,
              properties: d.resources?.properties,
            })
          : undefined;
      return compact({
        name: d.name,
        endpointName: d.endpoint_name,
        description: d.description,
        tags: d.tags ?? {},
        properties: d.properties ?? {},
        model: d.model,
        code: d.code_configuration,
        environment: d.environment,
        environmentVariables: {
          ...(d.environment_variables ?? {}),
          ...(d.settings?.environment_variables ?? {}),
        },
        compute: d.compute,
        resources,
        settings: s,
        origin: { file: ctx.source.file },
      });
    });
}

export function batchEndpointFromSource(source: SourceFile, notes: ConfigNote[] = []): BatchEndpointSpec {
  noteUnknownKeys(source, BATCH_ENDPOINT_KEYS, notes);
  return parseWithSchema(batchEndpointSchema({ source, notes }), source);
}

export function batchDeploymentFromSource(source: SourceFile, notes: ConfigNote[] = []): BatchDeploymentSpec {
  noteUnknownKeys(source, BATCH_DEPLOYMENT_KEYS, notes);
  return parseWithSchema(batchDeploymentSchema({ source, notes }), source);
}

/** A batch endpoint YAML file. */
export function loadBatchEndpoint(file: string, notes: ConfigNote[] = []): BatchEndpointSpec {
  return batchEndpointFromSource(readSourceFile(file), notes);
}

/** A batch deployment YAML file. */
export function loadBatchDeployment(file: string, notes: ConfigNote[] = []): BatchDeploymentSpec {
  return batchDeploymentFromSource(readSourceFile(file), notes);
}

/**
 * The batch files of deploy-model: both read through `read` (the caller's input overrides applied), checked
 * against each other, and returned with the fields both endpoint kinds share also in `endpoint` and
 * `deployment` (the inputs override those the same way for either kind).
 */
export function loadBatchConfig(
  files: { endpointFile?: string; deploymentFile?: string },
  notes: ConfigNote[],
  read: (file: string, which: 'endpoint' | 'deployment') => SourceFile,
): LoadedDeploymentConfig {
  const endpointSource = files.endpointFile ? read(files.endpointFile, 'endpoint') : undefined;
  const deploymentSource = files.deploymentFile ? read(files.deploymentFile, 'deployment') : undefined;
  for (const [source, which, other] of [
    [endpointSource, 'endpoint', deploymentSource],
    [deploymentSource, 'deployment', endpointSource],
  ] as const) {
    if (source && declaredKind(source, which) === 'online') {
      throw new ConfigError({
        file: source.file,
        message: `describes an online ${which}, but ${other?.file ?? 'the other file'} is a batch one: give the batch ${which} YAML (az ml batch-${which === 'endpoint' ? 'endpoint' : 'deployment'})`,
      });
    }
  }
  const endpoint = endpointSource ? batchEndpointFromSource(endpointSource, notes) : undefined;
  const deployment = deploymentSource ? batchDeploymentFromSource(deploymentSource, notes) : undefined;
  if (endpoint && deployment && deploymentSource && deployment.endpointName !== endpoint.name) {
    throw deploymentSource.errorAt(
      ['endpoint_name'],
      `'${deployment.endpointName}' does not match the name '${endpoint.name}' in ${endpointSource?.file}`,
    );
  }
  return {
    endpointKind: 'batch',
    ...(endpoint ? { endpoint: { name: endpoint.name } } : {}),
    deployment: deployment
      ? compact({
          name: deployment.name,
          endpointName: deployment.endpointName,
          description: deployment.description,
          tags: deployment.tags,
          properties: deployment.properties,
          model: deployment.model,
          code: deployment.code,
          environment: deployment.environment,
          environmentVariables: deployment.environmentVariables,
          instanceType: deployment.resources?.instanceType,
          instanceCount: deployment.resources?.instanceCount,
        })
      : {},
    batch: { ...(endpoint ? { endpoint } : {}), ...(deployment ? { deployment } : {}) },
    notes,
  };
}
