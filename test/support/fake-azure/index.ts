// A contract-true fake of Azure (ARM for one Azure ML workspace, plus Entra's token endpoint) on a real
// node:http server at 127.0.0.1. URL and JSON shapes follow the official examples in
// ../shared/reference/azureml-rest/examples; request bodies with unknown or wrongly cased field names are
// rejected. Every request is recorded; faults are scriptable per test. Pass its `url` as arm-endpoint and
// authority-host and the code under test talks to it exactly as to Azure.
//
//   const fake = await startFakeAzure({ clock });
//   t.after(() => fake.close());

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { DEFAULT_API_VERSION } from '../../../src/azure/api-versions.ts';
import { ArmClient, type ArmClientOptions } from '../../../src/azure/arm-client.ts';
import type { Credential } from '../../../src/azure/credentials/credential.ts';
import { type Clock, systemClock } from '../../../src/clock.ts';
import { type AssetKind, AssetStore, assetRoutes } from './assets.ts';
import { BatchStore, batchDataPlane, batchRoutes } from './batch.ts';
import {
  armError,
  type FakeContext,
  type FakeRequest,
  type FakeSettings,
  type Reply,
  type Route,
  type WorkspaceInfo,
} from './context.ts';
import { type ActiveFault, type FaultSpec, matchFault } from './faults.ts';
import { OnlineStore, type OutcomeScript, onlineRoutes, operationReply, scoredEndpoint } from './online.ts';
import { AZURITE_ACCOUNT, AZURITE_KEY, accountSas } from './sas.ts';
import { FakeScoring, SCORING_PATH } from './scoring.ts';
import { TokenAuthority } from './tokens.ts';

export type { BatchJob, BatchScorer, BatchStore, JobScript } from './batch.ts';
export { defaultScorer } from './batch.ts';
export type { FakeRequest, FakeSettings, Reply } from './context.ts';
export type { FaultSpec } from './faults.ts';
export type { OutcomeScript } from './online.ts';
export { AZURITE_ACCOUNT, AZURITE_KEY } from './sas.ts';
export type {
  FakeScoring,
  ScoringBehaviour,
  ScoringCall,
  ScoringCallInfo,
  ScoringScript,
} from './scoring.ts';

export interface FakeAzureOptions {
  subscriptionId?: string;
  resourceGroup?: string;
  workspaceName?: string;
  /** Lower-case region name, e.g. `eastus2`. */
  location?: string;
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  /** Drives state transitions and token expiry; default the system clock. */
  clock?: Clock;
  /** Path-style Azurite blob endpoint with the account (`http://127.0.0.1:PORT/devstoreaccount1`). */
  blobEndpoint?: string;
  settings?: Partial<FakeSettings>;
  /** Accept only GitHub ID tokens with these subjects (else AADSTS70021). */
  federatedSubjects?: string[];
  /** scoringUri of an endpoint; default `https://{name}.{location}.inference.ml.azure.com/score`. */
  scoringUri?: (endpointName: string) => string;
  /**
   * Serve the endpoints' scoring too: scoringUri becomes `{url}/online-scoring/{name}/score`, routed by the
   * azureml-model-deployment header or the traffic shares, each deployment's answers scripted with `scoring`.
   */
  serveScoring?: boolean;
  /** Accepted api-versions; others get `apiVersionErrorCode`. */
  apiVersions?: string[];
  /** What ARM answers (400) for an api-version it does not accept. Default NoRegisteredProviderFound. */
  apiVersionErrorCode?: 'NoRegisteredProviderFound' | 'InvalidApiVersionParameter' | 'InvalidResourceType';
}

export interface FakeAzure {
  /** Use as arm-endpoint. */
  url: string;
  /** Use as authority-host (the same server). */
  authorityHost: string;
  /** `{authorityHost}/{tenant}/oauth2/v2.0/token` */
  tokenUrl: string;
  /** The token scope ARM routes accept: `{url}/.default`. */
  armScope: string;
  workspace: WorkspaceInfo;
  /** `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}` */
  workspacePath: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  blobEndpoint: string | undefined;
  /** The default datastore's container (`workspaceblobstore` points at it). */
  containerName: string;
  clock: Clock;
  settings: FakeSettings;
  /** Every request, in order (faulted ones marked). */
  requests: FakeRequest[];
  tokens: TokenAuthority;
  /** The scoring side (with serveScoring): per-deployment latency/status scripts and the calls received. */
  scoring: FakeScoring;
  /** The next `times` requests matching method + path fail as told. */
  fail(spec: FaultSpec): ActiveFault;
  clearFaults(): void;
  /** Batch endpoints, deployments and jobs (scriptJob, scorer, invokes). */
  batch: BatchStore;
  /** How the next matching endpoint/deployment operation ends, and after how long. */
  script(spec: OutcomeScript): void;
  /** Container logs getLogs returns for a deployment. */
  setLogs(
    endpoint: string,
    deployment: string,
    logs: { InferenceServer?: string; StorageInitializer?: string },
  ): void;
  /** A fake GitHub ID token the token endpoint accepts (until it expires on the fake's clock). */
  mintIdToken(opts?: { audience?: string; lifetimeSeconds?: number; subject?: string }): string;
  /** A Credential that gets tokens straight from the fake (no HTTP), for tests that need any working sign-in. */
  credential(): Credential;
  /** An ArmClient wired to this fake (shared dispatcher closed by close()). */
  client(options?: Partial<ArmClientOptions>): ArmClient;
  /** ARM GETs recorded so far, optionally only those whose path matches. */
  reads(path?: RegExp): number;
  /** What a GET of this workspace-relative or absolute ARM path would answer now (no auth, no faults). */
  inspect(path: string): Reply;
  /** Sends a request straight to the fake's routes (no auth, no faults, not recorded): another writer's change. */
  act(method: string, path: string, body?: unknown): Reply;
  /** Environment for the fake `az` (bin/az) as azure/login would leave it. */
  azEnv(opts?: {
    idTokenLifetimeSeconds?: number;
    baseEnv?: Record<string, string | undefined>;
  }): Record<string, string>;
  /** Folder of the fake `az` executable. */
  binDir: string;
  close(): Promise<void>;
}

const DEFAULT_SETTINGS: FakeSettings = {
  provisioningDelayMs: 2000,
  pageSize: 10,
  tokenLifetimeSeconds: 3600,
  asyncOperationUriInBody: true,
  asyncOperationHeader: true,
  pollRetryAfterSeconds: undefined,
  // As the spec declares; 1 s is also the client's first adaptive wait, so runs on the real clock are not slower.
  acceptedRetryAfterSeconds: 1,
  auth: 'strict',
  datastoreCredentials: 'AccountKey',
};

const API_VERSIONS = [
  '2022-02-01-preview',
  '2022-05-01',
  '2022-10-01',
  '2022-10-01-preview',
  '2023-04-01',
  '2023-10-01',
  '2024-04-01',
  '2024-10-01',
  '2025-06-01',
  '2025-09-01',
  '2025-12-01',
  DEFAULT_API_VERSION,
];

const WORKSPACE_PREFIX =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)(\/.*)?$/i;
const OPERATION_PATH =
  /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/locations\/([^/]+)\/(mfeOperationsStatus|mfeOperationResults)\/([^/]+)$/i;
const TOKEN_PATH = /^\/([^/]+)\/oauth2\/v2\.0\/token$/;

export async function startFakeAzure(options: FakeAzureOptions = {}): Promise<FakeAzure> {
  const clock = options.clock ?? systemClock;
  const settings: FakeSettings = { ...DEFAULT_SETTINGS, ...options.settings };
  const workspace: WorkspaceInfo = {
    subscriptionId: options.subscriptionId ?? '00000000-1111-2222-3333-444444444444',
    resourceGroup: options.resourceGroup ?? 'test-rg',
    workspaceName: options.workspaceName ?? 'my-aml-workspace',
    location: options.location ?? 'eastus2',
    workspaceId: randomUUID(),
    tenantId: options.tenantId ?? '72f988bf-0000-4000-8000-00000000aaaa',
  };
  const clientId = options.clientId ?? '11111111-2222-4333-8444-555555555555';
  const clientSecret = options.clientSecret ?? `fake-secret-${randomUUID()}`;
  const workspacePath = `/subscriptions/${workspace.subscriptionId}/resourceGroups/${workspace.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${workspace.workspaceName}`;
  const blobEndpoint = options.blobEndpoint?.replace(/\/+$/, '');
  const containerName = `azureml-blobstore-${workspace.workspaceId}`;
  const apiVersions = new Set(options.apiVersions ?? API_VERSIONS);
  let sequence = 0;

  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const ctx: FakeContext = {
    url,
    clock,
    settings,
    workspace,
    workspacePath,
    blobEndpoint,
    containerName,
    nextSequence: () => ++sequence,
    operationApiVersion:
      [...apiVersions]
        .filter((v) => !v.includes('preview'))
        .sort()
        .at(-1) ?? DEFAULT_API_VERSION,
    systemData: (createdAt, modifiedAt = createdAt) => ({
      createdAt: new Date(createdAt).toISOString(),
      createdBy: clientId,
      createdByType: 'Application',
      lastModifiedAt: new Date(modifiedAt).toISOString(),
      lastModifiedBy: clientId,
      lastModifiedByType: 'Application',
    }),
  };
  const tokens = new TokenAuthority({
    clock,
    tenantId: workspace.tenantId,
    clientId,
    clientSecret,
    lifetimeSeconds: () => settings.tokenLifetimeSeconds,
    ...(options.federatedSubjects ? { federatedSubjects: options.federatedSubjects } : {}),
  });
  const assets = new AssetStore();
  const online = new OnlineStore();
  const scoring = new FakeScoring();
  const assetExists = (armId: string): boolean => {
    const rest = armId.slice(workspacePath.length);
    const m = /^\/(models|codes|environments)\/([^/]+)\/versions\/([^/]+)$/i.exec(rest);
    if (!m) return false;
    const kind = (m[1] ?? '').toLowerCase() as AssetKind;
    return assets.containers[kind].get(m[2] ?? '')?.versions.has(m[3] ?? '') ?? false;
  };
  const batch = new BatchStore(online.operations, online.scripts);
  const modelType = (armId: string): string | undefined => {
    const m = /\/models\/([^/]+)\/versions\/([^/]+)$/i.exec(armId.slice(workspacePath.length));
    const type = assets.containers.models.get(m?.[1] ?? '')?.versions.get(m?.[2] ?? '')?.properties.modelType;
    return typeof type === 'string' ? type : undefined;
  };
  const batchDeps = {
    assetExists: (armId: string) => assetExists(armId),
    modelType,
    checkBearer: (authorization: string | undefined, audience: string) =>
      settings.auth === 'strict' ? tokens.checkBearer(authorization, audience) : undefined,
  };
  const routes: Route[] = [
    ...assetRoutes(ctx, assets),
    ...batchRoutes(ctx, batch, batchDeps),
    ...onlineRoutes(
      ctx,
      online,
      options.scoringUri ??
        (options.serveScoring
          ? (name) => `${url}/online-scoring/${name}/score`
          : (name) => `https://${name}.${workspace.location}.inference.ml.azure.com/score`),
      assetExists,
    ),
  ];
  const faults: ActiveFault[] = [];
  const requests: FakeRequest[] = [];

  const route = (req: FakeRequest, checkAuth: boolean): Reply => {
    const token = TOKEN_PATH.exec(req.path);
    if (token) {
      return req.method === 'POST'
        ? tokens.handleTokenRequest(token[1] ?? '', req)
        : armError(405, 'MethodNotAllowed', 'POST only');
    }
    const dataPlane = checkAuth ? batchDataPlane(ctx, batch, batchDeps, req) : undefined;
    if (dataPlane) return dataPlane;
    if (!req.path.toLowerCase().startsWith('/subscriptions/')) {
      return armError(404, 'NotFound', `The fake serves no ${req.path}`);
    }
    const version = req.query['api-version'];
    if (!version) {
      return armError(
        400,
        'MissingApiVersionParameter',
        'The api-version query parameter (?api-version=) is required for all requests.',
      );
    }
    if (!apiVersions.has(version)) {
      const supported = [...apiVersions].join(', ');
      const code = options.apiVersionErrorCode ?? 'NoRegisteredProviderFound';
      return armError(
        code === 'InvalidResourceType' ? 404 : 400,
        code,
        code === 'InvalidApiVersionParameter'
          ? `The api-version '${version}' is invalid. The supported versions are '${supported}'.`
          : code === 'InvalidResourceType'
            ? `The resource type 'workspaces' could not be found in the namespace 'Microsoft.MachineLearningServices' for api version '${version}'. The supported api-versions are '${supported}'.`
            : `No registered resource provider found for location '${workspace.location}' and API version '${version}' for type 'workspaces'. The supported api-versions are '${supported}'.`,
      );
    }
    if (checkAuth && settings.auth === 'strict') {
      const denied = tokens.checkBearer(req.headers.authorization, url);
      if (denied) return denied;
    }
    online.settle(clock.now());
    batch.settle(clock.now());
    const op = OPERATION_PATH.exec(req.path);
    if (op) {
      if (req.method !== 'GET') return armError(405, 'MethodNotAllowed', 'GET only');
      const kind = (op[3] ?? '').toLowerCase() === 'mfeoperationsstatus' ? 'status' : 'result';
      return operationReply(
        ctx,
        online,
        kind,
        op[4] ?? '',
        `${url}${req.path}?${new URLSearchParams(req.query)}`,
      );
    }
    const ws = WORKSPACE_PREFIX.exec(req.path);
    if (!ws)
      return armError(404, 'InvalidResourceType', `The resource type could not be found for ${req.path}.`);
    if (ws[1] !== workspace.subscriptionId) {
      return armError(404, 'SubscriptionNotFound', `The subscription '${ws[1]}' could not be found.`);
    }
    if ((ws[2] ?? '').toLowerCase() !== workspace.resourceGroup.toLowerCase()) {
      return armError(404, 'ResourceGroupNotFound', `Resource group '${ws[2]}' could not be found.`);
    }
    if ((ws[3] ?? '').toLowerCase() !== workspace.workspaceName.toLowerCase()) {
      return armError(
        404,
        'ResourceNotFound',
        `The Resource 'Microsoft.MachineLearningServices/workspaces/${ws[3]}' under resource group '${ws[2]}' was not found.`,
      );
    }
    const rest = ws[4] ?? '';
    let methodMatched = false;
    for (const r of routes) {
      const m = r.pattern.exec(rest);
      if (!m) continue;
      if (r.method !== req.method) {
        methodMatched = true;
        continue;
      }
      return r.handle(
        req,
        m.slice(1).map((p) => p ?? ''),
      );
    }
    return methodMatched
      ? armError(405, 'MethodNotAllowed', `The fake does not implement ${req.method} ${rest}.`)
      : armError(
          404,
          'InvalidResourceType',
          `The resource type '${rest.split('/')[1] ?? ''}' could not be found in the namespace 'Microsoft.MachineLearningServices'.`,
        );
  };

  server.on('request', (incoming: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const parsed = new URL(incoming.url ?? '/', url);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(incoming.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      const isForm = (headers['content-type'] ?? '').includes('application/x-www-form-urlencoded');
      let body: unknown;
      let badJson = false;
      if (isForm) body = Object.fromEntries(new URLSearchParams(raw));
      else if (raw !== '') {
        try {
          body = JSON.parse(raw);
        } catch {
          badJson = true;
        }
      }
      const req: FakeRequest = {
        method: incoming.method ?? 'GET',
        path: decodeURIComponent(parsed.pathname),
        query: Object.fromEntries(parsed.searchParams),
        headers,
        body,
        rawBody: raw,
        at: clock.now(),
      };
      const scored = options.serveScoring ? SCORING_PATH.exec(req.path) : null;
      if (scored) {
        online.settle(clock.now());
        const name = scored[1] ?? '';
        void scoring
          .handle(req, scoredEndpoint(online, name), name)
          .then((reply) => send(res, reply, clock))
          .catch((error: unknown) => send(res, armError(500, 'InternalServerError', String(error)), clock));
        return;
      }
      requests.push(req);
      const fault = matchFault(faults, req);
      if (fault) {
        req.fault = true;
        if (fault.reset) {
          incoming.socket.destroy();
          return;
        }
        req.status = fault.reply.status;
        return send(res, fault.reply, clock);
      }
      if (badJson)
        return send(
          res,
          armError(400, 'InvalidRequestContent', 'The request content was not valid JSON.'),
          clock,
        );
      let reply: Reply;
      try {
        reply = route(req, true);
      } catch (error) {
        reply = armError(500, 'InternalServerError', `fake-azure bug: ${(error as Error).stack ?? error}`);
      }
      req.status = reply.status;
      send(res, reply, clock);
    });
  });

  if (blobEndpoint) await createContainer(blobEndpoint, containerName);

  const binDir = join(dirname(fileURLToPath(import.meta.url)), 'bin');
  const dispatcher = new Agent();
  const credential = (): Credential => ({
    kind: 'client-secret',
    description: 'fake-azure direct credential',
    getToken: async (scope) => {
      const issued = tokens.issue(scope);
      return { token: issued.token, expiresOnMs: issued.expiresAt };
    },
    prefetch: async () => {},
  });

  /** A request straight to the routes, as the fake's own: no auth check, no fault, not recorded. */
  const direct = (method: string, path: string, body?: unknown): Reply => {
    const full = new URL(
      path.startsWith('/subscriptions/') || path.startsWith('http') ? path : `${workspacePath}${path}`,
      url,
    );
    if (!full.searchParams.has('api-version')) full.searchParams.set('api-version', ctx.operationApiVersion);
    return route(
      {
        method,
        path: decodeURIComponent(full.pathname),
        query: Object.fromEntries(full.searchParams),
        headers: {},
        body,
        rawBody: body === undefined ? '' : JSON.stringify(body),
        at: clock.now(),
      },
      false,
    );
  };

  return {
    url,
    authorityHost: url,
    tokenUrl: `${url}/${workspace.tenantId}/oauth2/v2.0/token`,
    armScope: `${url}/.default`,
    workspace,
    workspacePath,
    tenantId: workspace.tenantId,
    clientId,
    clientSecret,
    blobEndpoint,
    containerName,
    clock,
    settings,
    requests,
    tokens,
    scoring,
    binDir,
    batch,
    fail: (spec) => {
      const fault: ActiveFault = { spec, remaining: spec.times ?? 1, hits: 0 };
      faults.push(fault);
      return fault;
    },
    clearFaults: () => {
      faults.length = 0;
    },
    script: (spec) => {
      online.scripts.push({ ...spec, remaining: spec.times ?? 1 });
    },
    setLogs: (endpoint, deployment, logs) => {
      online.logs.set(`${endpoint}/${deployment}`.toLowerCase(), logs);
    },
    mintIdToken: (opts) => tokens.mintIdToken(opts),
    credential,
    client: (overrides = {}) =>
      new ArmClient({
        baseUrl: url,
        credential: credential(),
        dispatcher,
        clock,
        random: () => 0.5,
        ...overrides,
      }),
    reads: (path) =>
      requests.filter(
        (r) => r.method === 'GET' && r.path.startsWith('/subscriptions/') && (!path || path.test(r.path)),
      ).length,
    inspect: (path) => direct('GET', path),
    act: (method, path, body) => direct(method, path, body),
    azEnv: (opts = {}) => ({
      ...Object.fromEntries(
        Object.entries(opts.baseEnv ?? process.env).filter((e): e is [string, string] => e[1] !== undefined),
      ),
      PATH: `${binDir}:${(opts.baseEnv ?? process.env).PATH ?? ''}`,
      FAKE_AZ_TOKEN_URL: `${url}/${workspace.tenantId}/oauth2/v2.0/token`,
      FAKE_AZ_CLIENT_ID: clientId,
      FAKE_AZ_TENANT_ID: workspace.tenantId,
      FAKE_AZ_SUBSCRIPTION_ID: workspace.subscriptionId,
      FAKE_AZ_ID_TOKEN: tokens.mintIdToken({ lifetimeSeconds: opts.idTokenLifetimeSeconds ?? 300 }),
    }),
    close: async () => {
      server.closeAllConnections();
      await Promise.all([new Promise<void>((resolve) => server.close(() => resolve())), dispatcher.close()]);
    },
  };
}

function send(res: ServerResponse, reply: Reply, clock: Clock): void {
  const headers: Record<string, string> = {
    // The fake's own clock, so Retry-After dates and az's expiry agree with it.
    date: new Date(clock.now()).toUTCString(),
    'x-ms-request-id': randomUUID(),
    'x-ms-correlation-request-id': randomUUID(),
    ...reply.headers,
  };
  let payload = '';
  if (reply.body !== undefined) {
    payload = JSON.stringify(reply.body);
    headers['content-type'] = 'application/json; charset=utf-8';
  }
  headers['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(reply.status, headers);
  res.end(payload);
}

/** Creates the datastore container in Azurite (an account SAS may create containers). */
async function createContainer(blobEndpoint: string, container: string): Promise<void> {
  const sas = accountSas({
    account: AZURITE_ACCOUNT,
    key: AZURITE_KEY,
    permissions: 'rwdlac',
    resourceTypes: 'sco',
    expiresOnMs: Date.now() + 3600_000,
  });
  // An https Azurite (the one that accepts OAuth) has a self-signed certificate; this is loopback test traffic.
  const agent = new Agent({ connect: { rejectUnauthorized: false } });
  try {
    const res = await request(`${blobEndpoint}/${container}?restype=container&${sas}`, {
      method: 'PUT',
      headers: { 'x-ms-version': '2021-08-06' },
      dispatcher: agent,
    });
    const text = await res.body.text();
    if (res.statusCode !== 201 && res.statusCode !== 409) {
      throw new Error(
        `fake-azure: creating container ${container} in Azurite failed: HTTP ${res.statusCode} ${text}`,
      );
    }
  } finally {
    await agent.close();
  }
}
