// Allow-lists of request body field names, derived from the official example payloads
// (../shared/reference/azureml-rest/examples) and the field tables of the YAML reference §2 (2026-07-01
// names). The fake rejects unknown names and wrong key casing (`authmode`, `instance_type`), as a strict
// deserializer would; enum values compare case-insensitively, as ARM does. Read-only fields (id, name,
// systemData, provisioningState, scoringUri, ...) are accepted because clients PUT back what they GET.

import { isObject } from './context.ts';

export type Shape =
  | 'string'
  | 'integer'
  | 'number'
  | 'boolean'
  | 'duration'
  | 'any'
  | { enum: readonly string[] }
  | { object: Record<string, Shape>; required?: readonly string[] }
  | { map: Shape }
  | { array: Shape };

const stringMap: Shape = { map: 'string' };
const envelopeReadOnly: Record<string, Shape> = {
  id: 'string',
  name: 'string',
  type: 'string',
  systemData: 'any',
};

const identity: Shape = {
  object: {
    type: { enum: ['None', 'SystemAssigned', 'UserAssigned', 'SystemAssigned,UserAssigned'] },
    userAssignedIdentities: { map: { object: { clientId: 'string', principalId: 'string' } } },
    principalId: 'string',
    tenantId: 'string',
  },
  required: ['type'],
};

const sku: Shape = {
  object: {
    name: 'string',
    tier: { enum: ['Free', 'Basic', 'Standard', 'Premium'] },
    size: 'string',
    family: 'string',
    capacity: 'integer',
  },
  required: ['name'],
};

function tracked(properties: Shape): Shape {
  return {
    object: {
      ...envelopeReadOnly,
      location: 'string',
      tags: stringMap,
      identity,
      kind: 'string',
      sku,
      properties,
    },
    required: ['location', 'properties'],
  };
}

function asset(properties: Record<string, Shape>, required: readonly string[] = []): Shape {
  return {
    object: {
      ...envelopeReadOnly,
      properties: {
        object: {
          description: 'string',
          tags: stringMap,
          properties: stringMap,
          isAnonymous: 'boolean',
          isArchived: 'boolean',
          provisioningState: 'string',
          ...properties,
        },
        required,
      },
    },
    required: ['properties'],
  };
}

const probe: Shape = {
  object: {
    failureThreshold: 'integer',
    successThreshold: 'integer',
    timeout: 'duration',
    period: 'duration',
    initialDelay: 'duration',
  },
};

const resourceAmounts: Shape = { object: { cpu: 'string', memory: 'string', gpu: 'string' } };
const route: Shape = { object: { path: 'string', port: 'integer' }, required: ['path', 'port'] };

export const onlineEndpointBody: Shape = tracked({
  object: {
    description: 'string',
    properties: stringMap,
    authMode: { enum: ['Key', 'AMLToken', 'AADToken'] },
    compute: 'string',
    traffic: { map: 'integer' },
    mirrorTraffic: { map: 'integer' },
    publicNetworkAccess: { enum: ['Enabled', 'Disabled'] },
    keys: { object: { primaryKey: 'string', secondaryKey: 'string' } },
    provisioningState: 'string',
    scoringUri: 'string',
    swaggerUri: 'string',
  },
  required: ['authMode'],
});

export const onlineDeploymentBody: Shape = tracked({
  object: {
    description: 'string',
    properties: stringMap,
    codeConfiguration: { object: { codeId: 'string', scoringScript: 'string' }, required: ['scoringScript'] },
    environmentId: 'string',
    environmentVariables: stringMap,
    appInsightsEnabled: 'boolean',
    dataCollector: {
      object: {
        collections: {
          map: {
            object: {
              dataCollectionMode: { enum: ['Enabled', 'Disabled'] },
              dataId: 'string',
              samplingRate: 'number',
              clientId: 'string',
            },
          },
        },
        rollingRate: { enum: ['Year', 'Month', 'Day', 'Hour', 'Minute'] },
        requestLogging: { object: { captureHeaders: { array: 'string' } } },
      },
      required: ['collections'],
    },
    egressPublicNetworkAccess: { enum: ['Enabled', 'Disabled'] },
    endpointComputeType: { enum: ['Managed', 'Kubernetes', 'AzureMLCompute'] },
    instanceType: 'string',
    livenessProbe: probe,
    readinessProbe: probe,
    startupProbe: probe,
    model: 'string',
    modelMountPath: 'string',
    requestSettings: {
      object: {
        maxConcurrentRequestsPerInstance: 'integer',
        requestTimeout: 'duration',
        maxQueueWait: 'duration',
      },
    },
    scaleSettings: {
      object: {
        scaleType: { enum: ['Default', 'TargetUtilization'] },
        minInstances: 'integer',
        maxInstances: 'integer',
        pollingInterval: 'duration',
        targetUtilizationPercentage: 'integer',
      },
      required: ['scaleType'],
    },
    containerResourceRequirements: {
      object: { containerResourceRequests: resourceAmounts, containerResourceLimits: resourceAmounts },
    },
    provisioningState: 'string',
  },
  required: ['endpointComputeType'],
});

export const modelVersionBody: Shape = asset(
  {
    modelUri: 'string',
    modelType: 'string',
    flavors: { map: { object: { data: stringMap } } },
    jobName: 'string',
    stage: 'string',
    datasets: { array: { object: { name: 'string', id: 'string' } } },
  },
  ['modelUri'],
);

export const codeVersionBody: Shape = asset({ codeUri: 'string' }, ['codeUri']);

export const environmentVersionBody: Shape = asset({
  image: 'string',
  condaFile: 'string',
  build: { object: { contextUri: 'string', dockerfilePath: 'string' }, required: ['contextUri'] },
  inferenceConfig: {
    object: { livenessRoute: route, readinessRoute: route, scoringRoute: route, startupRoute: route },
  },
  osType: { enum: ['Linux', 'Windows'] },
  autoRebuild: { enum: ['Disabled', 'OnBaseImageUpdate'] },
  stage: 'string',
  environmentType: 'string',
});

export const pendingUploadBody: Shape = {
  object: { pendingUploadId: 'string', pendingUploadType: { enum: ['None', 'TemporaryBlobReference'] } },
};

export const getLogsBody: Shape = {
  object: { containerType: { enum: ['StorageInitializer', 'InferenceServer'] }, tail: 'integer' },
};

const ISO_DURATION = /^-?P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;

/** Problems with `value` against `shape`, each `path: what`; empty when it fits. */
export function checkShape(value: unknown, shape: Shape, path = ''): string[] {
  if (value === null || value === undefined || shape === 'any') return [];
  const at = path || '(body)';
  if (shape === 'string') return typeof value === 'string' ? [] : [`${at}: expected a string`];
  if (shape === 'boolean') return typeof value === 'boolean' ? [] : [`${at}: expected true or false`];
  if (shape === 'number') return typeof value === 'number' ? [] : [`${at}: expected a number`];
  if (shape === 'integer') return Number.isInteger(value) ? [] : [`${at}: expected an integer`];
  if (shape === 'duration') {
    return typeof value === 'string' && ISO_DURATION.test(value)
      ? []
      : [`${at}: expected an ISO 8601 duration such as PT5S`];
  }
  if ('enum' in shape) {
    const ok = typeof value === 'string' && shape.enum.some((v) => v.toLowerCase() === value.toLowerCase());
    return ok ? [] : [`${at}: '${String(value)}' is not one of ${shape.enum.join(', ')}`];
  }
  if ('array' in shape) {
    if (!Array.isArray(value)) return [`${at}: expected an array`];
    return value.flatMap((item, i) => checkShape(item, shape.array, `${path}[${i}]`));
  }
  if (!isObject(value)) return [`${at}: expected an object`];
  if ('map' in shape) {
    return Object.entries(value).flatMap(([key, item]) => checkShape(item, shape.map, `${path}.${key}`));
  }
  const problems: string[] = [];
  const known = Object.keys(shape.object);
  for (const [key, item] of Object.entries(value)) {
    const fieldShape = shape.object[key];
    const where = path ? `${path}.${key}` : key;
    if (fieldShape === undefined) {
      const sameLetters = known.find((k) => k.toLowerCase() === key.replace(/_/g, '').toLowerCase());
      problems.push(`${where}: unknown field${sameLetters ? ` (the API spells it '${sameLetters}')` : ''}`);
      continue;
    }
    problems.push(...checkShape(item, fieldShape, where));
  }
  for (const key of shape.required ?? []) {
    if (value[key] === undefined || value[key] === null)
      problems.push(`${path ? `${path}.` : ''}${key}: required`);
  }
  return problems;
}

/** The canonical spelling of an enum value ARM accepted case-insensitively. */
export function canonicalEnum(value: unknown, allowed: readonly string[]): string | undefined {
  if (typeof value !== 'string') return undefined;
  return allowed.find((v) => v.toLowerCase() === value.toLowerCase());
}
