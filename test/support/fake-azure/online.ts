// Online endpoints and deployments of the fake, with Azure ML's asynchronous behaviour: PUT answers 201
// (Azure-AsyncOperation) or 200 (Updating, status URL only inside properties.properties.AzureAsyncOperationUri),
// DELETE answers 202 + Location, the state flips after a delay measured on the injected clock (evaluated
// lazily on every request, so fake and real clocks both work), and scripted outcomes make operations fail.
// Traffic rules as the service enforces them: sums 0 or 100, names existing deployments, mirror <= 50.

import { randomBytes, randomUUID } from 'node:crypto';
import {
  type ArmErrorBody,
  armError,
  type FakeContext,
  type FakeRequest,
  invalidContent,
  isObject,
  listPage,
  type Reply,
  type Route,
} from './context.ts';
import type { ScoredEndpoint } from './scoring.ts';
import {
  canonicalEnum,
  checkShape,
  getLogsBody,
  onlineDeploymentBody,
  onlineEndpointBody,
} from './shapes.ts';

export type TerminalState = 'Succeeded' | 'Failed' | 'Canceled';
export type OperationKind = 'create' | 'update' | 'delete';

/** How the next matching operation ends. */
export interface OutcomeScript {
  resource: 'endpoint' | 'deployment';
  /** Any name when omitted (case-insensitive). */
  name?: string;
  operation?: OperationKind;
  /** Default: settings.provisioningDelayMs. */
  delayMs?: number;
  result?: TerminalState;
  /** The operation's error when it Fails or is Canceled. */
  error?: ArmErrorBody;
  /** Default 1. */
  times?: number;
}

export interface Operation {
  id: string;
  kind: OperationKind;
  startAt: number;
  endAt: number;
  result: TerminalState;
  error?: ArmErrorBody;
  applied: boolean;
}

export interface OnlineResource {
  name: string;
  /** The PUT body as accepted (enums canonical), without read-only fields. */
  body: Record<string, unknown>;
  state: string;
  op: Operation | undefined;
  createdAt: number;
  modifiedAt: number;
}

interface Endpoint extends OnlineResource {
  kubernetes: boolean;
  deployments: Map<string, OnlineResource>;
  keys: { primaryKey: string; secondaryKey: string };
}

const TERMINAL = new Set(['Succeeded', 'Failed', 'Canceled']);
const NAME = /^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;

export class OnlineStore {
  readonly endpoints = new Map<string, Endpoint>();
  readonly operations = new Map<string, Operation>();
  readonly scripts: (OutcomeScript & { remaining: number })[] = [];
  readonly logs = new Map<string, { InferenceServer?: string; StorageInitializer?: string }>();

  /** Applies every operation whose time has come. */
  settle(now: number): void {
    for (const [epKey, ep] of this.endpoints) {
      for (const [dKey, d] of ep.deployments) {
        if (applyDue(d, now)) ep.deployments.delete(dKey);
      }
      if (applyDue(ep, now)) this.endpoints.delete(epKey);
    }
  }
}

/** An endpoint as the scoring routes see it (after the operations due were applied). */
export function scoredEndpoint(store: OnlineStore, name: string): ScoredEndpoint | undefined {
  const ep = store.endpoints.get(name.toLowerCase());
  if (!ep) return undefined;
  const props = (ep.body.properties ?? {}) as Record<string, unknown>;
  return {
    name: ep.name,
    authMode: String(props.authMode ?? 'Key'),
    keys: ep.keys,
    traffic: (props.traffic ?? {}) as Record<string, number>,
    mirrorTraffic: (props.mirrorTraffic ?? {}) as Record<string, number>,
    deployments: new Map([...ep.deployments].map(([k, d]) => [k, { name: d.name, state: d.state }] as const)),
  };
}

/** Applies the resource's operation when its time has come; true when the resource is gone. */
export function applyDue(resource: OnlineResource, now: number): boolean {
  const op = resource.op;
  if (!op || op.applied || now < op.endAt) return false;
  op.applied = true;
  if (op.kind === 'delete') {
    if (op.result === 'Succeeded') return true;
    resource.state = 'Failed';
    return false;
  }
  resource.state = op.result;
  return false;
}

export function onlineRoutes(
  ctx: FakeContext,
  store: OnlineStore,
  scoringUri: (endpointName: string) => string,
  assetExists: (armId: string) => boolean,
): Route[] {
  const opsBase = `/subscriptions/${ctx.workspace.subscriptionId}/providers/Microsoft.MachineLearningServices/locations/${ctx.workspace.location}`;
  const statusUrl = (op: Operation) =>
    `${ctx.url}${opsBase}/mfeOperationsStatus/${op.id}?api-version=${ctx.operationApiVersion}`;
  const resultUrl = (op: Operation) =>
    `${ctx.url}${opsBase}/mfeOperationResults/${op.id}?api-version=${ctx.operationApiVersion}`;
  const endpointId = (name: string) => `${ctx.workspacePath}/onlineEndpoints/${name}`;

  const startOperation = (
    resource: 'endpoint' | 'deployment',
    name: string,
    kind: OperationKind,
    prefix: string,
  ): Operation => {
    const script = store.scripts.find(
      (s) =>
        s.remaining > 0 &&
        s.resource === resource &&
        (s.name === undefined || s.name.toLowerCase() === name.toLowerCase()) &&
        (s.operation === undefined || s.operation === kind),
    );
    if (script) script.remaining--;
    const now = ctx.clock.now();
    const result = script?.result ?? 'Succeeded';
    const op: Operation = {
      id: `${prefix}:${randomUUID()}:${randomUUID()}`,
      kind,
      startAt: now,
      endAt: now + (script?.delayMs ?? ctx.settings.provisioningDelayMs),
      result,
      applied: false,
    };
    if (result !== 'Succeeded') {
      op.error = script?.error ?? {
        code: resource === 'deployment' ? 'DeploymentFailed' : 'EndpointOperationFailed',
        message: `The ${resource} '${name}' operation ${kind} ended ${result} (scripted).`,
      };
    }
    store.operations.set(op.id, op);
    return op;
  };

  const progressState = (kind: OperationKind) =>
    kind === 'create' ? 'Creating' : kind === 'update' ? 'Updating' : 'Deleting';

  const endpointJson = (ep: Endpoint) => {
    const props = (ep.body.properties ?? {}) as Record<string, unknown>;
    const system: Record<string, string> = { 'azureml.onlineendpointid': endpointId(ep.name) };
    if (ep.op && ctx.settings.asyncOperationUriInBody) system.AzureAsyncOperationUri = statusUrl(ep.op);
    const uri = scoringUri(ep.name);
    return {
      ...envelope(ep.body),
      id: endpointId(ep.name),
      name: ep.name,
      type: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints',
      properties: {
        ...props,
        traffic: props.traffic ?? {},
        mirrorTraffic: props.mirrorTraffic ?? {},
        properties: { ...((props.properties ?? {}) as Record<string, unknown>), ...system },
        provisioningState: ep.state,
        scoringUri: uri,
        swaggerUri: uri.replace(/\/score$/, '/swagger.json'),
      },
      systemData: ctx.systemData(ep.createdAt, ep.modifiedAt),
    };
  };

  const deploymentJson = (ep: Endpoint, d: OnlineResource) => {
    const props = (d.body.properties ?? {}) as Record<string, unknown>;
    const system: Record<string, string> = {};
    if (d.op && ctx.settings.asyncOperationUriInBody) system.AzureAsyncOperationUri = statusUrl(d.op);
    return {
      ...envelope(d.body),
      id: `${endpointId(ep.name)}/deployments/${d.name}`,
      name: d.name,
      type: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments',
      sku: { name: 'Default', capacity: 1, ...((d.body.sku ?? {}) as Record<string, unknown>) },
      properties: {
        ...props,
        properties: { ...((props.properties ?? {}) as Record<string, unknown>), ...system },
        provisioningState: d.state,
      },
      systemData: ctx.systemData(d.createdAt, d.modifiedAt),
    };
  };

  const endpointNotFound = (name: string) =>
    armError(
      404,
      'ResourceNotFound',
      `Online endpoint '${name}' was not found in workspace '${ctx.workspace.workspaceName}'.`,
    );
  const busy = (what: string, state: string) =>
    armError(
      409,
      'Conflict',
      `Cannot update ${what} because it is in ${state} provisioning state. Wait until the current operation completes.`,
    );

  const putEndpoint = (req: FakeRequest, name: string): Reply => {
    const problems = checkShape(req.body, onlineEndpointBody);
    if (problems.length) return invalidContent(`online endpoint ${name}`, problems);
    if (!NAME.test(name) || name.length < 3 || name.length > 32) {
      return armError(
        400,
        'UserError',
        `Endpoint name '${name}' is invalid: 3-32 characters, a letter first, then letters, digits and '-'.`,
      );
    }
    const body = structuredClone(req.body) as Record<string, unknown>;
    const props = body.properties as Record<string, unknown>;
    if (String(body.location).toLowerCase().replace(/\s/g, '') !== ctx.workspace.location) {
      return armError(
        400,
        'UserError',
        `Endpoint location '${String(body.location)}' must be the workspace location '${ctx.workspace.location}'.`,
      );
    }
    const kubernetes = typeof props.compute === 'string' && props.compute !== '';
    if (kubernetes && !/^\/subscriptions\/.+\/computes\/[^/]+$/i.test(String(props.compute))) {
      return armError(
        400,
        'UserError',
        `properties.compute must be the ARM id of a Kubernetes compute, got '${String(props.compute)}'.`,
      );
    }
    props.authMode = canonicalEnum(props.authMode, ['Key', 'AMLToken', 'AADToken']);
    if (props.publicNetworkAccess !== undefined) {
      props.publicNetworkAccess = canonicalEnum(props.publicNetworkAccess, ['Enabled', 'Disabled']);
    }
    if (kubernetes && props.authMode === 'AADToken') {
      return armError(400, 'UserError', 'AADToken auth mode is supported by managed online endpoints only.');
    }
    for (const field of ['provisioningState', 'scoringUri', 'swaggerUri']) delete props[field];
    delete body.id;
    delete body.name;
    delete body.type;
    delete body.systemData;

    const key = name.toLowerCase();
    const existing = store.endpoints.get(key);
    if (existing && !TERMINAL.has(existing.state)) return busy(`endpoint ${existing.name}`, existing.state);
    if (existing && existing.kubernetes !== kubernetes) {
      return armError(
        400,
        'UserError',
        `Endpoint '${name}' cannot change between managed and Kubernetes (properties.compute).`,
      );
    }
    // PUT replaces: a missing traffic map means "no traffic".
    const traffic = (props.traffic ?? {}) as Record<string, number>;
    const mirror = (props.mirrorTraffic ?? {}) as Record<string, number>;
    const trafficProblem = checkTraffic(name, kubernetes, traffic, mirror, existing?.deployments);
    if (trafficProblem) return trafficProblem;
    props.traffic = traffic;
    props.mirrorTraffic = mirror;

    const now = ctx.clock.now();
    const op = startOperation('endpoint', name, existing ? 'update' : 'create', 'oe');
    if (existing) {
      existing.body = body;
      existing.state = progressState('update');
      existing.op = op;
      existing.modifiedAt = now;
      return { status: 200, body: endpointJson(existing) };
    }
    const ep: Endpoint = {
      name,
      body,
      state: progressState('create'),
      op,
      createdAt: now,
      modifiedAt: now,
      kubernetes,
      deployments: new Map(),
      keys: {
        primaryKey: randomBytes(24).toString('base64'),
        secondaryKey: randomBytes(24).toString('base64'),
      },
    };
    store.endpoints.set(key, ep);
    return { status: 201, headers: createdHeaders(op), body: endpointJson(ep) };
  };

  const createdHeaders = (op: Operation): Record<string, string> =>
    ctx.settings.asyncOperationHeader
      ? { 'azure-asyncoperation': statusUrl(op), 'x-ms-async-operation-timeout': 'PT1H' }
      : {};
  const deleteAccepted = (op: Operation): Reply => ({
    status: 202,
    headers: {
      location: resultUrl(op),
      'x-ms-async-operation-timeout': 'PT1H',
      ...(ctx.settings.acceptedRetryAfterSeconds === undefined
        ? {}
        : { 'retry-after': String(ctx.settings.acceptedRetryAfterSeconds) }),
    },
  });

  const putDeployment = (req: FakeRequest, epName: string, name: string): Reply => {
    const problems = checkShape(req.body, onlineDeploymentBody);
    if (problems.length) return invalidContent(`online deployment ${epName}/${name}`, problems);
    const ep = store.endpoints.get(epName.toLowerCase());
    if (!ep) return endpointNotFound(epName);
    if (!NAME.test(name) || name.length < 3 || name.length > 32) {
      return armError(
        400,
        'UserError',
        `Deployment name '${name}' is invalid: 3-32 characters, a letter first, then letters, digits and '-'.`,
      );
    }
    if (!TERMINAL.has(ep.state)) {
      return armError(
        409,
        'Conflict',
        `Cannot create a deployment in endpoint ${ep.name} because it is in ${ep.state} provisioning state.`,
      );
    }
    const body = structuredClone(req.body) as Record<string, unknown>;
    const props = body.properties as Record<string, unknown>;
    if (String(body.location).toLowerCase().replace(/\s/g, '') !== ctx.workspace.location) {
      return armError(
        400,
        'UserError',
        `Deployment location '${String(body.location)}' must be the workspace location '${ctx.workspace.location}'.`,
      );
    }
    const computeType = canonicalEnum(props.endpointComputeType, ['Managed', 'Kubernetes', 'AzureMLCompute']);
    props.endpointComputeType = computeType;
    const wanted = ep.kubernetes ? 'Kubernetes' : 'Managed';
    if (computeType !== wanted) {
      return armError(
        400,
        'UserError',
        `Endpoint '${ep.name}' is a ${wanted} endpoint; properties.endpointComputeType must be '${wanted}', not '${String(computeType)}'.`,
      );
    }
    if (!ep.kubernetes && props.containerResourceRequirements !== undefined) {
      return armError(400, 'UserError', 'containerResourceRequirements is for Kubernetes deployments only.');
    }
    const scale = props.scaleSettings as Record<string, unknown> | undefined;
    if (scale) {
      scale.scaleType = canonicalEnum(scale.scaleType, ['Default', 'TargetUtilization']);
      if (!ep.kubernetes && scale.scaleType !== 'Default') {
        return armError(
          400,
          'UserError',
          'Managed online deployments support only scaleSettings.scaleType Default.',
        );
      }
    }
    if (props.egressPublicNetworkAccess !== undefined) {
      props.egressPublicNetworkAccess = canonicalEnum(props.egressPublicNetworkAccess, [
        'Enabled',
        'Disabled',
      ]);
    }
    const references = [
      ['model', props.model],
      ['environmentId', props.environmentId],
      ['codeConfiguration.codeId', (props.codeConfiguration as Record<string, unknown> | undefined)?.codeId],
    ] as const;
    for (const [field, ref] of references) {
      if (
        typeof ref === 'string' &&
        ref.toLowerCase().startsWith(ctx.workspacePath.toLowerCase()) &&
        !assetExists(ref)
      ) {
        return armError(
          400,
          'UserError',
          `properties.${field} refers to '${ref}', which does not exist in workspace '${ctx.workspace.workspaceName}'.`,
        );
      }
    }
    delete props.provisioningState;
    delete body.id;
    delete body.name;
    delete body.type;
    delete body.systemData;

    const key = name.toLowerCase();
    const existing = ep.deployments.get(key);
    if (existing && !TERMINAL.has(existing.state)) return busy(`deployment ${existing.name}`, existing.state);
    const oldType = (existing?.body.properties as Record<string, unknown> | undefined)?.instanceType;
    if (
      existing &&
      oldType !== undefined &&
      props.instanceType !== undefined &&
      oldType !== props.instanceType
    ) {
      return armError(
        400,
        'UserError',
        `instanceType cannot be changed on an existing deployment ('${String(oldType)}' -> '${String(props.instanceType)}'); create a new deployment.`,
      );
    }
    const now = ctx.clock.now();
    const op = startOperation('deployment', name, existing ? 'update' : 'create', 'odidp');
    if (existing) {
      existing.body = body;
      existing.state = progressState('update');
      existing.op = op;
      existing.modifiedAt = now;
      return { status: 200, body: deploymentJson(ep, existing) };
    }
    const d: OnlineResource = {
      name,
      body,
      state: progressState('create'),
      op,
      createdAt: now,
      modifiedAt: now,
    };
    ep.deployments.set(key, d);
    return { status: 201, headers: createdHeaders(op), body: deploymentJson(ep, d) };
  };

  const deleteDeployment = (epName: string, name: string): Reply => {
    const ep = store.endpoints.get(epName.toLowerCase());
    const d = ep?.deployments.get(name.toLowerCase());
    if (!ep || !d) return { status: 204 };
    if (d.state === 'Deleting') return deleteAccepted(d.op as Operation);
    if (!TERMINAL.has(d.state)) return busy(`deployment ${d.name}`, d.state);
    const props = (ep.body.properties ?? {}) as Record<string, Record<string, number> | undefined>;
    const live = lookup(props.traffic, name) ?? 0;
    const mirrored = lookup(props.mirrorTraffic, name) ?? 0;
    if (live > 0 || mirrored > 0) {
      return armError(
        400,
        'UserError',
        `Deployment '${d.name}' receives ${live > 0 ? `${live}% of the traffic` : `${mirrored}% mirror traffic`} of endpoint '${ep.name}'; set it to 0 before deleting the deployment.`,
      );
    }
    d.op = startOperation('deployment', name, 'delete', 'odidp');
    d.state = 'Deleting';
    return deleteAccepted(d.op);
  };

  const deleteEndpoint = (name: string): Reply => {
    const ep = store.endpoints.get(name.toLowerCase());
    if (!ep) return { status: 204 };
    if (ep.state === 'Deleting') return deleteAccepted(ep.op as Operation);
    if (!TERMINAL.has(ep.state)) return busy(`endpoint ${ep.name}`, ep.state);
    const op = startOperation('endpoint', name, 'delete', 'oe');
    ep.op = op;
    ep.state = 'Deleting';
    for (const d of ep.deployments.values()) {
      d.op = { ...op, id: `odidp:${randomUUID()}:${randomUUID()}`, applied: false };
      d.state = 'Deleting';
    }
    return deleteAccepted(op);
  };

  const withEndpoint = (name: string, fn: (ep: Endpoint) => Reply): Reply => {
    const ep = store.endpoints.get(name.toLowerCase());
    return ep ? fn(ep) : endpointNotFound(name);
  };
  const withDeployment = (
    epName: string,
    name: string,
    fn: (ep: Endpoint, d: OnlineResource) => Reply,
  ): Reply =>
    withEndpoint(epName, (ep) => {
      const d = ep.deployments.get(name.toLowerCase());
      return d
        ? fn(ep, d)
        : armError(
            404,
            'ResourceNotFound',
            `Online deployment '${name}' of endpoint '${ep.name}' was not found in workspace '${ctx.workspace.workspaceName}'.`,
          );
    });

  return [
    {
      method: 'GET',
      pattern: /^\/onlineEndpoints$/i,
      handle: (req) => listPage(ctx, req, [...store.endpoints.values()].map(endpointJson)),
    },
    {
      method: 'GET',
      pattern: /^\/onlineEndpoints\/([^/]+)$/i,
      handle: (_req, [name = '']) => withEndpoint(name, (ep) => ({ status: 200, body: endpointJson(ep) })),
    },
    {
      method: 'PUT',
      pattern: /^\/onlineEndpoints\/([^/]+)$/i,
      handle: (req, [name = '']) => putEndpoint(req, name),
    },
    {
      method: 'DELETE',
      pattern: /^\/onlineEndpoints\/([^/]+)$/i,
      handle: (_req, [name = '']) => deleteEndpoint(name),
    },
    {
      method: 'POST',
      pattern: /^\/onlineEndpoints\/([^/]+)\/listKeys$/i,
      handle: (_req, [name = '']) =>
        withEndpoint(name, (ep) =>
          authMode(ep) === 'Key'
            ? { status: 200, body: { ...ep.keys } }
            : armError(
                400,
                'UserError',
                `Endpoint '${ep.name}' uses ${authMode(ep)} auth; listKeys is for Key auth mode.`,
              ),
        ),
    },
    {
      method: 'POST',
      pattern: /^\/onlineEndpoints\/([^/]+)\/token$/i,
      handle: (_req, [name = '']) =>
        withEndpoint(name, (ep) => {
          if (authMode(ep) !== 'AMLToken') {
            return armError(
              400,
              'UserError',
              `Endpoint '${ep.name}' uses ${authMode(ep)} auth; token is for AMLToken auth mode.`,
            );
          }
          const now = Math.floor(ctx.clock.now() / 1000);
          return {
            status: 200,
            body: {
              accessToken: `aml-token.${randomBytes(18).toString('base64url')}`,
              expiryTimeUtc: now + 3600,
              refreshAfterTimeUtc: now + 1800,
              tokenType: 'Bearer',
            },
          };
        }),
    },
    {
      method: 'GET',
      pattern: /^\/onlineEndpoints\/([^/]+)\/deployments$/i,
      handle: (req, [name = '']) =>
        withEndpoint(name, (ep) =>
          listPage(
            ctx,
            req,
            [...ep.deployments.values()].map((d) => deploymentJson(ep, d)),
          ),
        ),
    },
    {
      method: 'GET',
      pattern: /^\/onlineEndpoints\/([^/]+)\/deployments\/([^/]+)$/i,
      handle: (_req, [epName = '', name = '']) =>
        withDeployment(epName, name, (ep, d) => ({ status: 200, body: deploymentJson(ep, d) })),
    },
    {
      method: 'PUT',
      pattern: /^\/onlineEndpoints\/([^/]+)\/deployments\/([^/]+)$/i,
      handle: (req, [epName = '', name = '']) => putDeployment(req, epName, name),
    },
    {
      method: 'DELETE',
      pattern: /^\/onlineEndpoints\/([^/]+)\/deployments\/([^/]+)$/i,
      handle: (_req, [epName = '', name = '']) => deleteDeployment(epName, name),
    },
    {
      method: 'POST',
      pattern: /^\/onlineEndpoints\/([^/]+)\/deployments\/([^/]+)\/getLogs$/i,
      handle: (req, [epName = '', name = '']) =>
        withDeployment(epName, name, (ep, d) => {
          const problems = checkShape(req.body ?? {}, getLogsBody);
          if (problems.length) return invalidContent('getLogs', problems);
          const body = (req.body ?? {}) as { containerType?: string; tail?: number };
          const container =
            canonicalEnum(body.containerType ?? 'InferenceServer', [
              'InferenceServer',
              'StorageInitializer',
            ]) ?? 'InferenceServer';
          const scripted = store.logs.get(`${ep.name}/${d.name}`.toLowerCase())?.[
            container as 'InferenceServer' | 'StorageInitializer'
          ];
          const text = scripted ?? defaultLogs(d, container);
          const lines = text.split('\n');
          const tail = body.tail && body.tail > 0 ? lines.slice(-body.tail) : lines;
          return { status: 200, body: { content: tail.join('\n') } };
        }),
    },
  ];

  function authMode(ep: Endpoint): string {
    return String((ep.body.properties as Record<string, unknown>).authMode);
  }

  function checkTraffic(
    endpoint: string,
    kubernetes: boolean,
    traffic: Record<string, number>,
    mirror: Record<string, number>,
    deployments: Map<string, OnlineResource> | undefined,
  ): Reply | undefined {
    const bad = (message: string) => armError(400, 'UserError', message);
    for (const [map, label] of [
      [traffic, 'traffic'],
      [mirror, 'mirrorTraffic'],
    ] as const) {
      for (const [name, value] of Object.entries(map)) {
        if (!Number.isInteger(value) || value < 0 || value > 100) {
          return bad(`properties.${label}.${name} must be an integer from 0 to 100.`);
        }
        const d = deployments?.get(name.toLowerCase());
        if (!d || d.state === 'Deleting') {
          return bad(
            `properties.${label} refers to deployment '${name}', which does not exist in endpoint '${endpoint}'.`,
          );
        }
      }
    }
    const sum = Object.values(traffic).reduce((a, b) => a + b, 0);
    if (sum !== 0 && sum !== 100)
      return bad(`Traffic values must add up to 0 or 100; they add up to ${sum}.`);
    const mirrorSum = Object.values(mirror).reduce((a, b) => a + b, 0);
    if (mirrorSum > 0 && kubernetes)
      return bad('Mirror traffic is not supported on Kubernetes online endpoints.');
    if (mirrorSum > 50) return bad(`Mirror traffic may not exceed 50 in total; it is ${mirrorSum}.`);
    for (const [name, value] of Object.entries(mirror)) {
      if (value > 0 && (lookup(traffic, name) ?? 0) > 0) {
        return bad(`Deployment '${name}' cannot receive live traffic and mirror traffic at the same time.`);
      }
    }
    return undefined;
  }
}

/** The operation-status and operation-result routes (outside the workspace path). */
export function operationReply(
  ctx: FakeContext,
  store: OnlineStore,
  kind: 'status' | 'result',
  id: string,
  selfUrl: string,
): Reply {
  const op = store.operations.get(id);
  if (!op) return armError(404, 'ResourceNotFound', `Operation '${id}' was not found.`);
  const done = ctx.clock.now() >= op.endAt;
  if (kind === 'result') {
    if (!done) return { status: 202, headers: { location: selfUrl, ...retryAfter(ctx) } };
    if (op.result === 'Succeeded') return { status: 200 };
    const error = op.error ?? { code: op.result, message: `The operation ended ${op.result}.` };
    return armError(400, error.code, error.message, error.details);
  }
  return {
    status: 200,
    headers: done ? {} : retryAfter(ctx),
    body: {
      id: new URL(selfUrl).pathname,
      name: id,
      status: done ? op.result : 'InProgress',
      startTime: new Date(op.startAt).toISOString(),
      ...(done ? { endTime: new Date(op.endAt).toISOString() } : {}),
      ...(done && op.error ? { error: op.error } : {}),
    },
  };
}

function retryAfter(ctx: FakeContext): Record<string, string> {
  const seconds = ctx.settings.pollRetryAfterSeconds;
  return seconds === undefined ? {} : { 'retry-after': String(seconds) };
}

function envelope(body: Record<string, unknown>): Record<string, unknown> {
  const { properties: _properties, ...rest } = body;
  if (isObject(rest.identity) && String(rest.identity.type).toLowerCase().includes('systemassigned')) {
    rest.identity = {
      principalId: '00000000-0000-0000-0000-00000000beef',
      tenantId: '00000000-0000-0000-0000-00000000cafe',
      ...rest.identity,
    };
  }
  return rest;
}

function lookup(map: Record<string, number> | undefined, name: string): number | undefined {
  if (!map) return undefined;
  const key = Object.keys(map).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : map[key];
}

function defaultLogs(d: OnlineResource, container: string): string {
  if (container === 'StorageInitializer') {
    return ['Downloading model and code ...', 'Download complete.'].join('\n');
  }
  const lines = [
    'Azure ML Inferencing HTTP server v1.3.0',
    'Server Settings',
    '---------------',
    'Entry Script Name: /var/azureml-app/score.py',
    'Initializing logger',
    'Starting gunicorn 22.0.0',
  ];
  if (d.state === 'Failed') {
    lines.push(
      'Traceback (most recent call last):',
      '  File "/var/azureml-app/score.py", line 1, in init',
      'RuntimeError: scripted failure',
    );
  } else {
    lines.push("Users's init has completed successfully", 'Scoring timeout is set to 60000');
  }
  return lines.join('\n');
}
