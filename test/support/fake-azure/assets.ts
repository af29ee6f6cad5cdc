// Workspace, datastore and asset routes of the fake: model / code / environment containers and versions
// (synchronous PUT 200/201, DELETE 200/204), version lists with $orderBy / $top / nextLink paging, the
// default datastore and its listSecrets, and code startPendingUpload with a SAS URL into Azurite.

import { randomUUID } from 'node:crypto';
import {
  armError,
  type FakeContext,
  type FakeRequest,
  invalidContent,
  isObject,
  listPage,
  queryParam,
  type Reply,
  type Route,
} from './context.ts';
import { AZURITE_ACCOUNT, AZURITE_KEY, containerSas } from './sas.ts';
import {
  canonicalEnum,
  checkShape,
  codeVersionBody,
  environmentVersionBody,
  modelVersionBody,
  pendingUploadBody,
  type Shape,
} from './shapes.ts';

export type AssetKind = 'models' | 'codes' | 'environments';

interface AssetVersion {
  version: string;
  properties: Record<string, unknown>;
  createdAt: number;
  modifiedAt: number;
  seq: number;
}

interface AssetContainer {
  name: string;
  createdAt: number;
  versions: Map<string, AssetVersion>;
}

const VERSION_SHAPES: Record<AssetKind, Shape> = {
  models: modelVersionBody,
  codes: codeVersionBody,
  environments: environmentVersionBody,
};
/** Fields a version may not change once created: asset versions are immutable. */
const IMMUTABLE: Record<AssetKind, string[]> = {
  models: ['modelUri', 'modelType'],
  codes: ['codeUri'],
  environments: ['image', 'condaFile', 'build', 'inferenceConfig', 'osType'],
};
const SINGULAR: Record<AssetKind, string> = { models: 'model', codes: 'code', environments: 'environment' };
const DATASTORE = 'workspaceblobstore';

export class AssetStore {
  readonly containers: Record<AssetKind, Map<string, AssetContainer>> = {
    models: new Map(),
    codes: new Map(),
    environments: new Map(),
  };
}

export function assetRoutes(ctx: FakeContext, store: AssetStore): Route[] {
  const versionJson = (kind: AssetKind, name: string, v: AssetVersion) => ({
    id: `${ctx.workspacePath}/${kind}/${name}/versions/${v.version}`,
    name: v.version,
    type: `Microsoft.MachineLearningServices/workspaces/${kind}/versions`,
    properties: { ...v.properties, provisioningState: 'Succeeded' },
    systemData: ctx.systemData(v.createdAt, v.modifiedAt),
  });
  const containerJson = (kind: AssetKind, c: AssetContainer) => {
    const versions = [...c.versions.values()];
    const latest = versions.sort((a, b) => b.seq - a.seq)[0];
    const numbers = versions.map((v) => Number(v.version)).filter((n) => Number.isInteger(n) && n >= 0);
    return {
      id: `${ctx.workspacePath}/${kind}/${c.name}`,
      name: c.name,
      type: `Microsoft.MachineLearningServices/workspaces/${kind}`,
      properties: {
        description: null,
        tags: {},
        properties: {},
        isArchived: false,
        ...(latest ? { latestVersion: latest.version } : {}),
        nextVersion: String(numbers.length ? Math.max(...numbers) + 1 : 1),
        provisioningState: 'Succeeded',
      },
      systemData: ctx.systemData(c.createdAt),
    };
  };
  const notFound = (what: string) =>
    armError(404, 'ResourceNotFound', `${what} was not found in workspace '${ctx.workspace.workspaceName}'.`);

  const routes: Route[] = [
    { method: 'GET', pattern: /^$/, handle: () => ({ status: 200, body: workspaceJson(ctx) }) },
    {
      method: 'GET',
      pattern: /^\/datastores$/i,
      handle: (req) => {
        const isDefault = queryParam(req, 'isDefault');
        return listPage(ctx, req, isDefault === 'false' ? [] : [datastoreJson(ctx)]);
      },
    },
    {
      method: 'GET',
      pattern: /^\/datastores\/([^/]+)$/i,
      handle: (_req, [name = '']) =>
        name.toLowerCase() === DATASTORE
          ? { status: 200, body: datastoreJson(ctx) }
          : notFound(`Datastore '${name}'`),
    },
    {
      method: 'POST',
      pattern: /^\/datastores\/([^/]+)\/listSecrets$/i,
      handle: (_req, [name = '']) => {
        if (name.toLowerCase() !== DATASTORE) return notFound(`Datastore '${name}'`);
        switch (ctx.settings.datastoreCredentials) {
          case 'None':
            return armError(400, 'UserError', 'No secrets for credentials of type None.');
          case 'Sas':
            return {
              status: 200,
              body: {
                secretsType: 'Sas',
                sasToken: containerSas({
                  account: AZURITE_ACCOUNT,
                  key: AZURITE_KEY,
                  container: ctx.containerName,
                  permissions: 'racwdl',
                  expiresOnMs: Date.now() + 2 * 3600_000,
                }),
              },
            };
          default:
            return { status: 200, body: { secretsType: 'AccountKey', key: AZURITE_KEY } };
        }
      },
    },
  ];

  for (const kind of ['models', 'codes', 'environments'] as const) {
    const containers = store.containers[kind];
    const label = SINGULAR[kind];
    routes.push(
      {
        method: 'GET',
        pattern: new RegExp(`^/${kind}$`, 'i'),
        handle: (req) =>
          listPage(
            ctx,
            req,
            [...containers.values()].map((c) => containerJson(kind, c)),
          ),
      },
      {
        method: 'GET',
        pattern: new RegExp(`^/${kind}/([^/]+)$`, 'i'),
        handle: (_req, [name = '']) => {
          const c = containers.get(name);
          return c
            ? { status: 200, body: containerJson(kind, c) }
            : notFound(`${capitalize(label)} container '${name}'`);
        },
      },
      {
        method: 'DELETE',
        pattern: new RegExp(`^/${kind}/([^/]+)$`, 'i'),
        handle: (_req, [name = '']) => ({ status: containers.delete(name) ? 200 : 204 }),
      },
      {
        method: 'GET',
        pattern: new RegExp(`^/${kind}/([^/]+)/versions$`, 'i'),
        handle: (req, [name = '']) => listVersions(ctx, req, kind, store, name, versionJson),
      },
      {
        method: 'GET',
        pattern: new RegExp(`^/${kind}/([^/]+)/versions/([^/]+)$`, 'i'),
        handle: (_req, [name = '', version = '']) => {
          const v = containers.get(name)?.versions.get(version);
          return v
            ? { status: 200, body: versionJson(kind, name, v) }
            : notFound(`${capitalize(label)} '${name}' version '${version}'`);
        },
      },
      {
        method: 'PUT',
        pattern: new RegExp(`^/${kind}/([^/]+)/versions/([^/]+)$`, 'i'),
        handle: (req, [name = '', version = '']) => {
          const result = putVersion(ctx, store, kind, name, version, req);
          if ('error' in result) return result.error;
          return { status: result.created ? 201 : 200, body: versionJson(kind, name, result.version) };
        },
      },
      {
        method: 'DELETE',
        pattern: new RegExp(`^/${kind}/([^/]+)/versions/([^/]+)$`, 'i'),
        handle: (_req, [name = '', version = '']) => ({
          status: containers.get(name)?.versions.delete(version) ? 200 : 204,
        }),
      },
    );
  }

  routes.push({
    method: 'POST',
    pattern: /^\/codes\/([^/]+)\/versions\/([^/]+)\/startPendingUpload$/i,
    handle: (req) => startPendingUpload(ctx, req),
  });
  return routes;
}

function putVersion(
  ctx: FakeContext,
  store: AssetStore,
  kind: AssetKind,
  name: string,
  version: string,
  req: FakeRequest,
): { error: Reply } | { created: boolean; version: AssetVersion } {
  const problems = checkShape(req.body, VERSION_SHAPES[kind]);
  if (problems.length)
    return { error: invalidContent(`${SINGULAR[kind]} version ${name}:${version}`, problems) };
  const props = { ...((req.body as { properties: Record<string, unknown> }).properties ?? {}) };
  delete props.provisioningState;
  delete props.environmentType;
  if (kind === 'environments') {
    const hasImage = typeof props.image === 'string' && props.image !== '';
    const hasBuild = isObject(props.build);
    if (hasImage === hasBuild) {
      return {
        error: armError(
          400,
          'UserError',
          `Environment ${name}:${version} needs exactly one of properties.image and properties.build.`,
        ),
      };
    }
    if (props.condaFile !== undefined && !hasImage) {
      return { error: armError(400, 'UserError', 'properties.condaFile needs properties.image.') };
    }
    if (props.osType !== undefined) props.osType = canonicalEnum(props.osType, ['Linux', 'Windows']);
  }
  const now = ctx.clock.now();
  const containers = store.containers[kind];
  let container = containers.get(name);
  if (!container) {
    container = { name, createdAt: now, versions: new Map() };
    containers.set(name, container);
  }
  const existing = container.versions.get(version);
  if (existing) {
    for (const field of IMMUTABLE[kind]) {
      if (JSON.stringify(existing.properties[field]) !== JSON.stringify(props[field])) {
        return {
          error: armError(
            409,
            'UserError',
            `${capitalize(SINGULAR[kind])} ${name}:${version} already exists with a different ${field}; asset versions are immutable, use a new version.`,
          ),
        };
      }
    }
    const oldProps = (existing.properties.properties ?? {}) as Record<string, unknown>;
    const newProps = (props.properties ?? {}) as Record<string, unknown>;
    for (const [key, value] of Object.entries(oldProps)) {
      if (key in newProps && newProps[key] !== value) {
        return {
          error: armError(400, 'UserError', `properties.properties.${key} cannot be changed once set.`),
        };
      }
    }
    existing.properties = { ...props, properties: { ...oldProps, ...newProps } };
    existing.modifiedAt = now;
    return { created: false, version: existing };
  }
  const created: AssetVersion = {
    version,
    properties: props,
    createdAt: now,
    modifiedAt: now,
    seq: ctx.nextSequence(),
  };
  container.versions.set(version, created);
  return { created: true, version: created };
}

function listVersions(
  ctx: FakeContext,
  req: FakeRequest,
  kind: AssetKind,
  store: AssetStore,
  name: string,
  toJson: (kind: AssetKind, name: string, v: AssetVersion) => unknown,
): Reply {
  let entries: { name: string; v: AssetVersion }[];
  const hash = queryParam(req, 'hash');
  if (kind === 'codes' && hash) {
    // The content-hash lookup matches code versions of any name.
    const hashVersion = queryParam(req, 'hashVersion');
    entries = [...store.containers.codes.values()].flatMap((c) =>
      [...c.versions.values()]
        .filter((v) => {
          const p = (v.properties.properties ?? {}) as Record<string, unknown>;
          return p.hash_sha256 === hash && (!hashVersion || p.hash_version === hashVersion);
        })
        .map((v) => ({ name: c.name, v })),
    );
  } else {
    const container = store.containers[kind].get(name);
    entries = [...(container?.versions.values() ?? [])].map((v) => ({ name, v }));
  }
  const view = (queryParam(req, 'listViewType') ?? 'ActiveOnly').toLowerCase();
  entries = entries.filter(({ v }) => {
    const archived = v.properties.isArchived === true;
    return view === 'all' || (view === 'archivedonly' ? archived : !archived);
  });
  const onlyVersion = queryParam(req, 'version');
  if (onlyVersion) entries = entries.filter(({ v }) => v.version === onlyVersion);
  const order = (queryParam(req, '$orderBy') ?? '').toLowerCase().replace(/\s+/g, ' ').trim();
  entries.sort((a, b) => a.v.seq - b.v.seq);
  if (order === 'createdtime desc') entries.reverse();
  else if (order !== '' && order !== 'createdtime asc') {
    return armError(
      400,
      'UserError',
      `$orderBy '${queryParam(req, '$orderBy')}' is not supported; use 'createdtime desc' or 'createdtime asc'.`,
    );
  }
  return listPage(
    ctx,
    req,
    entries.map(({ name: n, v }) => toJson(kind, n, v)),
  );
}

function startPendingUpload(ctx: FakeContext, req: FakeRequest): Reply {
  const problems = checkShape(req.body ?? {}, pendingUploadBody);
  if (problems.length) return invalidContent('startPendingUpload', problems);
  const body = (req.body ?? {}) as { pendingUploadId?: string; pendingUploadType?: string };
  const pendingUploadId = body.pendingUploadId || randomUUID();
  const base = ctx.blobEndpoint ?? `https://${AZURITE_ACCOUNT}.blob.core.windows.net`;
  const blobUri = `${base}/${ctx.containerName}/LocalUpload/${pendingUploadId}`;
  // Storage checks SAS times against the real clock, whatever clock drives the fake.
  const sas = containerSas({
    account: AZURITE_ACCOUNT,
    key: AZURITE_KEY,
    container: ctx.containerName,
    permissions: 'racwdl',
    expiresOnMs: Date.now() + 2 * 3600_000,
  });
  return {
    status: 200,
    body: {
      blobReferenceForConsumption: {
        blobUri,
        storageAccountArmId: `/subscriptions/${ctx.workspace.subscriptionId}/resourceGroups/${ctx.workspace.resourceGroup}/providers/Microsoft.Storage/storageAccounts/${AZURITE_ACCOUNT}`,
        credential: { credentialType: 'SAS', sasUri: `${blobUri}?${sas}` },
      },
      pendingUploadId,
      pendingUploadType: 'TemporaryBlobReference',
    },
  };
}

function workspaceJson(ctx: FakeContext): Record<string, unknown> {
  const ws = ctx.workspace;
  const rg = `/subscriptions/${ws.subscriptionId}/resourceGroups/${ws.resourceGroup}/providers`;
  return {
    id: ctx.workspacePath,
    name: ws.workspaceName,
    type: 'Microsoft.MachineLearningServices/workspaces',
    location: ws.location,
    identity: { type: 'SystemAssigned', principalId: ws.workspaceId, tenantId: ws.tenantId },
    sku: { name: 'Basic', tier: 'Basic' },
    properties: {
      friendlyName: ws.workspaceName,
      description: 'fake workspace',
      workspaceId: ws.workspaceId,
      tenantId: ws.tenantId,
      discoveryUrl: `https://${ws.location}.api.azureml.ms/discovery`,
      mlFlowTrackingUri: `azureml://${ws.location}.api.azureml.ms/mlflow/v1.0${ctx.workspacePath}`,
      storageAccount: `${rg}/Microsoft.Storage/storageAccounts/${AZURITE_ACCOUNT}`,
      keyVault: `${rg}/Microsoft.KeyVault/vaults/kv${ws.workspaceId.slice(0, 8)}`,
      applicationInsights: `${rg}/microsoft.insights/components/ai${ws.workspaceId.slice(0, 8)}`,
      containerRegistry: `${rg}/Microsoft.ContainerRegistry/registries/cr${ws.workspaceId.slice(0, 8)}`,
      hbiWorkspace: false,
      publicNetworkAccess: 'Enabled',
      systemDatastoresAuthMode: 'AccessKey',
      v1LegacyMode: false,
      provisioningState: 'Succeeded',
    },
    systemData: ctx.systemData(0),
  };
}

function datastoreJson(ctx: FakeContext): Record<string, unknown> {
  // Backed by Azurite, the datastore points at it (`127.0.0.1:PORT`, path-style), as a real one points at
  // `core.windows.net`.
  const blob = ctx.blobEndpoint ? new URL(ctx.blobEndpoint) : undefined;
  return {
    id: `${ctx.workspacePath}/datastores/${DATASTORE}`,
    name: DATASTORE,
    type: 'Microsoft.MachineLearningServices/workspaces/datastores',
    properties: {
      datastoreType: 'AzureBlob',
      accountName: AZURITE_ACCOUNT,
      containerName: ctx.containerName,
      endpoint: blob ? blob.host : 'core.windows.net',
      protocol: blob ? blob.protocol.replace(/:$/, '') : 'https',
      serviceDataAccessAuthIdentity: 'WorkspaceSystemAssignedIdentity',
      credentials: { credentialsType: ctx.settings.datastoreCredentials },
      isDefault: true,
      description: null,
      tags: {},
      properties: {},
    },
    systemData: ctx.systemData(0),
  };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
