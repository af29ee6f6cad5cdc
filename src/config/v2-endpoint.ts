// az ml v2 online endpoint YAML (managedOnlineEndpoint / kubernetesOnlineEndpoint) → EndpointSpec.
// Kubernetes when `compute` is truthy, as az ml decides (not by `$schema`).

import { z } from 'zod';
import {
  intInRange,
  isPlainObject,
  type LoadContext,
  lowerEnum,
  snakeEnum,
  stringMap,
  truthy,
} from './field-schemas.ts';
import {
  ignored,
  type KnownKeys,
  known,
  knownKeys,
  listOf,
  mappingOf,
  noteUnknownKeys,
  silent,
} from './known-keys.ts';
import { parseWithSchema } from './schema-issues.ts';
import { readSourceFile, type SourceFile } from './source-file.ts';
import type { ComputeKind, ConfigNote, EndpointSpec } from './spec.ts';
import { resourceNameSchema } from './v2-deployment.ts';

const COMMON_KEYS: KnownKeys = {
  $schema: silent,
  ...knownKeys(
    'name',
    'description',
    'tags',
    'properties',
    'auth_mode',
    'traffic',
    'mirror_traffic',
    'compute',
  ),
  identity: mappingOf({
    type: known,
    user_assigned_identities: listOf({
      resource_id: known,
      client_id: silent,
      object_id: silent,
      principal_id: silent,
    }),
    principal_id: silent,
    tenant_id: silent,
  }),
  location: ignored("location is ignored: endpoints are created in the workspace's region", 'info'),
  id: silent,
  provisioning_state: silent,
  scoring_uri: silent,
  openapi_uri: silent,
  kind: silent,
};

const MANAGED_KEYS: KnownKeys = { ...COMMON_KEYS, public_network_access: known };
const KUBERNETES_KEYS: KnownKeys = {
  ...COMMON_KEYS,
  public_network_access: ignored('public_network_access is not supported on Kubernetes endpoints; ignored'),
};

/** deployment → percent; 0 entries dropped (az ml drops them); deployment names lower-cased like names are. */
const trafficSchema = z.record(z.string(), intInRange(0, 100)).transform((t, zctx) => {
  const total = Object.values(t).reduce((a, b) => a + b, 0);
  if (total > 100) zctx.addIssue({ code: 'custom', message: `must add up to 100 or less (got ${total})` });
  return Object.fromEntries(
    Object.entries(t)
      .filter(([, percent]) => percent !== 0)
      .map(([name, percent]) => [name.toLowerCase(), percent]),
  );
});

const COMPUTE_ARM_ID =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/workspaces\/[^/]+\/computes\/[^/]+$/i;

const computeSchema = z.string().transform((text, zctx) => {
  const rest = text.startsWith('azureml:') ? text.slice('azureml:'.length) : undefined;
  if (rest && (COMPUTE_ARM_ID.test(rest) || /^[A-Za-z][A-Za-z0-9_-]*$/.test(rest))) return rest;
  zctx.addIssue({
    code: 'custom',
    message: `must be azureml:<compute name> or azureml:<compute ARM id> (got '${text}')`,
  });
  return z.NEVER;
});

function endpointSchema(kind: ComputeKind, ctx: LoadContext) {
  return z
    .object({
      name: resourceNameSchema('endpoint'),
      description: z.string().optional(),
      tags: stringMap(ctx).optional(),
      properties: stringMap(ctx).optional(),
      auth_mode: snakeEnum(['key', 'aml_token', 'aad_token']).optional(),
      traffic: trafficSchema.optional(),
      mirror_traffic: trafficSchema.optional(),
      public_network_access:
        kind === 'managed' ? lowerEnum(['enabled', 'disabled']).optional() : z.unknown().optional(),
      compute: kind === 'kubernetes' ? computeSchema : z.unknown().optional(),
      identity: z
        .object({
          type: snakeEnum(['system_assigned', 'user_assigned', 'none']),
          user_assigned_identities: z
            .array(z.object({ resource_id: z.string().min(1) }))
            .max(1)
            .optional(),
        })
        .optional(),
    })
    .transform((e, zctx): EndpointSpec => {
      const issue = (at: string[], message: string) => zctx.addIssue({ code: 'custom', path: at, message });
      if (kind === 'kubernetes' && e.auth_mode === 'aad_token') {
        issue(['auth_mode'], 'aad_token is not supported on Kubernetes endpoints (use key or aml_token)');
      }
      if (e.mirror_traffic && Object.keys(e.mirror_traffic).length > 0) {
        if (kind === 'kubernetes') issue(['mirror_traffic'], 'is not supported on Kubernetes endpoints');
        const mirrored = Object.values(e.mirror_traffic).reduce((a, b) => a + b, 0);
        if (mirrored > 50) issue(['mirror_traffic'], `may mirror at most 50% (got ${mirrored})`);
        const both = Object.keys(e.mirror_traffic).find((name) => e.traffic?.[name]);
        if (both)
          issue(['mirror_traffic'], `deployment '${both}' cannot take live and mirrored traffic at once`);
      }
      const spec: EndpointSpec = {
        name: e.name,
        computeKind: kind,
        authMode: e.auth_mode ?? 'key',
        tags: e.tags ?? {},
        properties: e.properties ?? {},
        origin: { file: ctx.source.file },
      };
      if (e.description !== undefined) spec.description = e.description;
      if (e.traffic) spec.traffic = e.traffic;
      if (e.mirror_traffic) spec.mirrorTraffic = e.mirror_traffic;
      if (kind === 'managed' && e.public_network_access) {
        spec.publicNetworkAccess = e.public_network_access as 'enabled' | 'disabled';
      }
      if (kind === 'kubernetes' && typeof e.compute === 'string') spec.compute = e.compute;
      if (e.identity) {
        spec.identity = { type: e.identity.type };
        const ids = e.identity.user_assigned_identities?.map((i) => i.resource_id);
        if (ids?.length) spec.identity.userAssignedIdentities = ids;
      }
      return spec;
    });
}

function endpointKind(source: SourceFile): ComputeKind {
  return isPlainObject(source.value) && truthy(source.value['compute']) ? 'kubernetes' : 'managed';
}

/** Reads an endpoint YAML and keeps its source for later cross-file checks. */
export function readV2Endpoint(
  file: string,
  notes: ConfigNote[] = [],
): { spec: EndpointSpec; source: SourceFile } {
  const source = readSourceFile(file);
  return { spec: endpointFromSource(source, notes), source };
}

/** From an already parsed file. */
export function endpointFromSource(source: SourceFile, notes: ConfigNote[] = []): EndpointSpec {
  const kind = endpointKind(source);
  noteUnknownKeys(source, kind === 'kubernetes' ? KUBERNETES_KEYS : MANAGED_KEYS, notes);
  return parseWithSchema(endpointSchema(kind, { source, notes }), source);
}

/** An az ml v2 online endpoint YAML file. Notes (unknown keys, ignored keys) are added to `notes`. */
export function loadV2Endpoint(file: string, notes: ConfigNote[] = []): EndpointSpec {
  return readV2Endpoint(file, notes).spec;
}
