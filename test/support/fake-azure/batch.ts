// Batch endpoints, batch deployments, the invoke and the job resource of the fake, as strict as its online
// routes: ARM PUT answers 201 (Azure-AsyncOperation) or 200 (Updating), DELETE 202 + Location, states flip on
// the injected clock, bodies with unknown or wrongly cased fields are rejected, `defaults.deploymentName` must
// name a deployment of the endpoint, the default deployment cannot be deleted, a deployment without a scoring
// script needs an MLflow model. The data plane (`{scoringUri}` = `{fake}/inference/{endpoint}/jobs`) takes a
// token for https://ml.azure.com only, runs the job against Azurite (inputs read from the datastore, one output
// line per input row written to `azureml/{job}/score/{outputFileName}`), and answers the job's status.

import { randomUUID } from 'node:crypto';
import { ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';
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
import {
  applyDue,
  type OnlineResource,
  type Operation,
  type OperationKind,
  type OutcomeScript,
  type TerminalState,
} from './online.ts';
import { AZURITE_ACCOUNT, AZURITE_KEY } from './sas.ts';
import { canonicalEnum, checkShape, type Shape } from './shapes.ts';

const stringMap: Shape = { map: 'string' };
const readOnly: Record<string, Shape> = { id: 'string', name: 'string', type: 'string', systemData: 'any' };
const sku: Shape = {
  object: { name: 'string', tier: 'string', size: 'string', family: 'string', capacity: 'integer' },
  required: ['name'],
};
const identity: Shape = {
  object: { type: 'string', userAssignedIdentities: { map: 'any' } },
  required: ['type'],
};

function tracked(properties: Shape): Shape {
  return {
    object: { ...readOnly, location: 'string', tags: stringMap, identity, kind: 'string', sku, properties },
    required: ['location', 'properties'],
  };
}

/** BatchEndpoint_CreateOrUpdate.json */
export const batchEndpointBody: Shape = tracked({
  object: {
    description: 'string',
    properties: stringMap,
    authMode: { enum: ['Key', 'AMLToken', 'AADToken'] },
    defaults: { object: { deploymentName: 'string' } },
    provisioningState: 'string',
    scoringUri: 'string',
    swaggerUri: 'string',
  },
});

/** BatchDeployment_CreateOrUpdate.json */
export const batchDeploymentBody: Shape = tracked({
  object: {
    description: 'string',
    properties: stringMap,
    codeConfiguration: { object: { codeId: 'string', scoringScript: 'string' }, required: ['scoringScript'] },
    compute: 'string',
    environmentId: 'string',
    environmentVariables: stringMap,
    errorThreshold: 'integer',
    loggingLevel: { enum: ['Info', 'Warning', 'Debug'] },
    maxConcurrencyPerInstance: 'integer',
    miniBatchSize: 'integer',
    model: {
      object: { referenceType: { enum: ['Id', 'DataPath', 'OutputPath'] }, assetId: 'string' },
      required: ['referenceType'],
    },
    outputAction: { enum: ['SummaryOnly', 'AppendRow'] },
    outputFileName: 'string',
    resources: {
      object: { instanceCount: 'integer', instanceType: 'string', properties: { map: 'any' } },
    },
    retrySettings: { object: { maxRetries: 'integer', timeout: 'duration' } },
    deploymentConfiguration: 'any',
    provisioningState: 'string',
  },
});

/** How the next job ends, and after how long. */
export interface JobScript {
  /** Only jobs on this deployment (any when omitted). */
  deployment?: string;
  result?: 'Completed' | 'Failed' | 'Canceled';
  error?: ArmErrorBody;
  delayMs?: number;
  times?: number;
}

/** Output lines for one input file (append_row); the default: `file,row,sum of the row's numbers`. */
export type BatchScorer = (file: { name: string; text: string }) => string[];

export const defaultScorer: BatchScorer = ({ name, text }) => {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const rows = /[A-Za-z_]/.test(lines[0] ?? '') ? lines.slice(1) : lines;
  return rows.map((row, i) => {
    const sum = row.split(',').reduce((total, cell) => total + (Number(cell) || 0), 0);
    return `${name},${i},${Number(sum.toFixed(6))}`;
  });
};

/** A batch endpoint or deployment has the online ones' lifecycle (online.ts applies its operations). */
type Resource = OnlineResource;

interface Endpoint extends Resource {
  deployments: Map<string, Resource>;
}

export interface BatchJob {
  name: string;
  endpoint: string;
  deployment: string;
  input: { type: string; uri: string };
  /** The invoke body as sent. */
  request: unknown;
  status: 'NotStarted' | 'Running' | 'Completed' | 'Failed' | 'Canceled';
  startAt: number;
  endAt: number;
  result: 'Completed' | 'Failed' | 'Canceled';
  error?: ArmErrorBody;
  /** The work against Azurite; the job is terminal once it settled and endAt passed. */
  work: Promise<void>;
  workDone: boolean;
  outputs: string[];
  createdAt: number;
}

const TERMINAL = new Set(['Succeeded', 'Failed', 'Canceled']);
const NAME = /^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const DATASTORE = 'workspaceblobstore';

export class BatchStore {
  readonly endpoints = new Map<string, Endpoint>();
  readonly jobs = new Map<string, BatchJob>();
  readonly jobScripts: (JobScript & { remaining: number })[] = [];
  /** Every invoke as received (method, headers, body), for tests. */
  readonly invokes: FakeRequest[] = [];
  scorer: BatchScorer = defaultScorer;
  readonly operations: Map<string, Operation>;
  readonly scripts: (OutcomeScript & { remaining: number })[];

  /** Shares the online store's operations (one status route) and its scripted outcomes. */
  constructor(operations: Map<string, Operation>, scripts: (OutcomeScript & { remaining: number })[]) {
    this.operations = operations;
    this.scripts = scripts;
  }

  scriptJob(spec: JobScript): void {
    this.jobScripts.push({ ...spec, remaining: spec.times ?? 1 });
  }

  settle(now: number): void {
    for (const [epKey, ep] of this.endpoints) {
      for (const [dKey, d] of ep.deployments) if (applyDue(d, now)) ep.deployments.delete(dKey);
      if (applyDue(ep, now)) this.endpoints.delete(epKey);
    }
    for (const job of this.jobs.values()) {
      if (job.status === 'NotStarted' && now >= job.startAt) job.status = 'Running';
      if (job.status === 'Running' && job.workDone && now >= job.endAt) job.status = job.result;
    }
  }
}

export interface BatchRouteDeps {
  assetExists: (armId: string) => boolean;
  /** The modelType of a workspace model version (undefined when unknown). */
  modelType: (armId: string) => string | undefined;
  /** Bearer check for a token of `audience` (the data plane wants https://ml.azure.com). */
  checkBearer: (authorization: string | undefined, audience: string) => Reply | undefined;
}

export function batchRoutes(ctx: FakeContext, store: BatchStore, deps: BatchRouteDeps): Route[] {
  const opsBase = `/subscriptions/${ctx.workspace.subscriptionId}/providers/Microsoft.MachineLearningServices/locations/${ctx.workspace.location}`;
  const statusUrl = (op: Operation) =>
    `${ctx.url}${opsBase}/mfeOperationsStatus/${op.id}?api-version=${ctx.operationApiVersion}`;
  const resultUrl = (op: Operation) =>
    `${ctx.url}${opsBase}/mfeOperationResults/${op.id}?api-version=${ctx.operationApiVersion}`;
  const endpointId = (name: string) => `${ctx.workspacePath}/batchEndpoints/${name}`;

  const startOperation = (
    resource: 'endpoint' | 'deployment',
    name: string,
    kind: OperationKind,
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
    const result: TerminalState = script?.result ?? 'Succeeded';
    const op: Operation = {
      id: `${resource === 'endpoint' ? 'be' : 'bd'}:${randomUUID()}:${randomUUID()}`,
      kind,
      startAt: now,
      endAt: now + (script?.delayMs ?? ctx.settings.provisioningDelayMs),
      result,
      applied: false,
    };
    if (result !== 'Succeeded') {
      op.error = script?.error ?? {
        code: resource === 'deployment' ? 'DeploymentFailed' : 'EndpointOperationFailed',
        message: `The batch ${resource} '${name}' operation ${kind} ended ${result} (scripted).`,
      };
    }
    store.operations.set(op.id, op);
    return op;
  };
  const progressState = (kind: OperationKind) =>
    kind === 'create' ? 'Creating' : kind === 'update' ? 'Updating' : 'Deleting';
  const createdHeaders = (op: Operation): Record<string, string> =>
    ctx.settings.asyncOperationHeader
      ? {
          'azure-asyncoperation': statusUrl(op),
          'x-ms-async-operation-timeout': 'PT1H',
          'retry-after': String(ctx.settings.acceptedRetryAfterSeconds ?? 1),
        }
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
  const system = (op: Operation | undefined): Record<string, string> =>
    op && ctx.settings.asyncOperationUriInBody ? { AzureAsyncOperationUri: statusUrl(op) } : {};

  const endpointJson = (ep: Endpoint) => {
    const props = (ep.body.properties ?? {}) as Record<string, unknown>;
    return {
      ...envelope(ep.body),
      id: endpointId(ep.name),
      name: ep.name,
      type: 'Microsoft.MachineLearningServices/workspaces/batchEndpoints',
      properties: {
        ...props,
        properties: { ...((props.properties ?? {}) as Record<string, unknown>), ...system(ep.op) },
        provisioningState: ep.state,
        scoringUri: `${ctx.url}/inference/${ep.name}/jobs`,
        swaggerUri: `${ctx.url}/inference/${ep.name}/swagger.json`,
      },
      systemData: ctx.systemData(ep.createdAt, ep.modifiedAt),
    };
  };
  const deploymentJson = (ep: Endpoint, d: Resource) => {
    const props = (d.body.properties ?? {}) as Record<string, unknown>;
    return {
      ...envelope(d.body),
      id: `${endpointId(ep.name)}/deployments/${d.name}`,
      name: d.name,
      type: 'Microsoft.MachineLearningServices/workspaces/batchEndpoints/deployments',
      properties: {
        // What the service fills in when the body leaves them out.
        miniBatchSize: 10,
        maxConcurrencyPerInstance: 1,
        errorThreshold: -1,
        outputAction: 'AppendRow',
        outputFileName: props.outputAction === 'SummaryOnly' ? undefined : 'predictions.csv',
        retrySettings: { maxRetries: 3, timeout: 'PT30S' },
        loggingLevel: 'Info',
        ...props,
        properties: { ...((props.properties ?? {}) as Record<string, unknown>), ...system(d.op) },
        provisioningState: d.state,
      },
      systemData: ctx.systemData(d.createdAt, d.modifiedAt),
    };
  };

  const notFound = (what: string) =>
    armError(404, 'ResourceNotFound', `${what} was not found in workspace '${ctx.workspace.workspaceName}'.`);
  const busy = (what: string, state: string) =>
    armError(
      409,
      'Conflict',
      `Cannot update ${what} because it is in ${state} provisioning state. Wait until the current operation completes.`,
    );
  const badName = (kind: string, name: string) =>
    !NAME.test(name) || name.length < 3 || name.length > 32
      ? armError(
          400,
          'UserError',
          `${kind} name '${name}' is invalid: 3-32 characters, a letter first, then letters, digits and '-'.`,
        )
      : undefined;
  const checkLocation = (body: Record<string, unknown>, what: string) =>
    String(body.location).toLowerCase().replace(/\s/g, '') !== ctx.workspace.location
      ? armError(
          400,
          'UserError',
          `${what} location '${String(body.location)}' must be the workspace location '${ctx.workspace.location}'.`,
        )
      : undefined;
  const cleanBody = (req: FakeRequest) => {
    const body = structuredClone(req.body) as Record<string, unknown>;
    const props = body.properties as Record<string, unknown>;
    for (const field of ['provisioningState', 'scoringUri', 'swaggerUri']) delete props[field];
    if (isObject(props.properties)) {
      props.properties = Object.fromEntries(
        Object.entries(props.properties).filter(([k]) => k !== 'AzureAsyncOperationUri'),
      );
    }
    for (const field of ['id', 'name', 'type', 'systemData']) delete body[field];
    return { body, props };
  };

  const putEndpoint = (req: FakeRequest, name: string): Reply => {
    const problems = checkShape(req.body, batchEndpointBody);
    if (problems.length) return invalidContent(`batch endpoint ${name}`, problems);
    const wrong = badName('Endpoint', name);
    if (wrong) return wrong;
    const { body, props } = cleanBody(req);
    const misplaced = checkLocation(body, 'Endpoint');
    if (misplaced) return misplaced;
    props.authMode = canonicalEnum(props.authMode ?? 'AADToken', ['Key', 'AMLToken', 'AADToken']);
    const key = name.toLowerCase();
    const existing = store.endpoints.get(key);
    if (existing && !TERMINAL.has(existing.state))
      return busy(`batch endpoint ${existing.name}`, existing.state);
    const wanted = (props.defaults as { deploymentName?: string } | undefined)?.deploymentName;
    if (wanted) {
      const d = existing?.deployments.get(wanted.toLowerCase());
      if (!d || d.state === 'Deleting') {
        return armError(
          400,
          'UserError',
          `properties.defaults.deploymentName refers to deployment '${wanted}', which does not exist in batch endpoint '${name}'.`,
        );
      }
    }
    const now = ctx.clock.now();
    const op = startOperation('endpoint', name, existing ? 'update' : 'create');
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
      deployments: new Map(),
    };
    store.endpoints.set(key, ep);
    return { status: 201, headers: createdHeaders(op), body: endpointJson(ep) };
  };

  const putDeployment = (req: FakeRequest, epName: string, name: string): Reply => {
    const problems = checkShape(req.body, batchDeploymentBody);
    if (problems.length) return invalidContent(`batch deployment ${epName}/${name}`, problems);
    const ep = store.endpoints.get(epName.toLowerCase());
    if (!ep) return notFound(`Batch endpoint '${epName}'`);
    const wrong = badName('Deployment', name);
    if (wrong) return wrong;
    if (!TERMINAL.has(ep.state)) {
      return armError(
        409,
        'Conflict',
        `Cannot create a deployment in batch endpoint ${ep.name} because it is in ${ep.state} provisioning state.`,
      );
    }
    const { body, props } = cleanBody(req);
    const misplaced = checkLocation(body, 'Deployment');
    if (misplaced) return misplaced;
    const bad = (message: string) => armError(400, 'UserError', message);
    if (typeof props.compute !== 'string' || !/^\/subscriptions\/.+\/computes\/[^/]+$/i.test(props.compute)) {
      return bad(
        `properties.compute must be the ARM id of a compute cluster, got '${String(props.compute)}'.`,
      );
    }
    if (typeof props.miniBatchSize === 'number' && props.miniBatchSize < 1)
      return bad('properties.miniBatchSize must be at least 1.');
    if (typeof props.errorThreshold === 'number' && props.errorThreshold < -1)
      return bad('properties.errorThreshold must be -1 or more.');
    if (props.outputAction !== undefined)
      props.outputAction = canonicalEnum(props.outputAction, ['SummaryOnly', 'AppendRow']);
    if (props.outputAction === 'SummaryOnly' && props.outputFileName !== undefined)
      return bad('properties.outputFileName cannot be set with outputAction SummaryOnly.');
    const model = props.model as { assetId?: string } | undefined;
    const code = props.codeConfiguration as { codeId?: string } | undefined;
    for (const [field, ref] of [
      ['model.assetId', model?.assetId],
      ['environmentId', props.environmentId],
      ['codeConfiguration.codeId', code?.codeId],
    ] as const) {
      if (
        typeof ref === 'string' &&
        ref.toLowerCase().startsWith(ctx.workspacePath.toLowerCase()) &&
        !deps.assetExists(ref)
      ) {
        return bad(
          `properties.${field} refers to '${ref}', which does not exist in workspace '${ctx.workspace.workspaceName}'.`,
        );
      }
    }
    if (!code) {
      const type = model?.assetId ? deps.modelType(model.assetId) : undefined;
      const mlflow = type !== undefined && /^(mlflow_model|mlflowmodel)$/i.test(type);
      if (!mlflow) {
        return bad(
          'properties.codeConfiguration is required: only MLflow models deploy without a scoring script.',
        );
      }
    }
    const key = name.toLowerCase();
    const existing = ep.deployments.get(key);
    if (existing && !TERMINAL.has(existing.state))
      return busy(`batch deployment ${existing.name}`, existing.state);
    const now = ctx.clock.now();
    const op = startOperation('deployment', name, existing ? 'update' : 'create');
    if (existing) {
      existing.body = body;
      existing.state = progressState('update');
      existing.op = op;
      existing.modifiedAt = now;
      return { status: 200, body: deploymentJson(ep, existing) };
    }
    const d: Resource = { name, body, state: progressState('create'), op, createdAt: now, modifiedAt: now };
    ep.deployments.set(key, d);
    return { status: 201, headers: createdHeaders(op), body: deploymentJson(ep, d) };
  };

  const deleteDeployment = (epName: string, name: string): Reply => {
    const ep = store.endpoints.get(epName.toLowerCase());
    const d = ep?.deployments.get(name.toLowerCase());
    if (!ep || !d) return { status: 204 };
    if (d.state === 'Deleting') return deleteAccepted(d.op as Operation);
    if (!TERMINAL.has(d.state)) return busy(`batch deployment ${d.name}`, d.state);
    const defaults = (ep.body.properties as { defaults?: { deploymentName?: string } }).defaults;
    if (defaults?.deploymentName?.toLowerCase() === d.name.toLowerCase()) {
      return armError(
        400,
        'UserError',
        `Deployment '${d.name}' is the default deployment of batch endpoint '${ep.name}'; make another deployment the default (or clear properties.defaults) before deleting it.`,
      );
    }
    d.op = startOperation('deployment', name, 'delete');
    d.state = 'Deleting';
    return deleteAccepted(d.op);
  };

  const deleteEndpoint = (name: string): Reply => {
    const ep = store.endpoints.get(name.toLowerCase());
    if (!ep) return { status: 204 };
    if (ep.state === 'Deleting') return deleteAccepted(ep.op as Operation);
    if (!TERMINAL.has(ep.state)) return busy(`batch endpoint ${ep.name}`, ep.state);
    const op = startOperation('endpoint', name, 'delete');
    ep.op = op;
    ep.state = 'Deleting';
    for (const d of ep.deployments.values()) {
      d.op = { ...op, id: `bd:${randomUUID()}:${randomUUID()}`, applied: false };
      d.state = 'Deleting';
    }
    return deleteAccepted(op);
  };

  const withEndpoint = (name: string, fn: (ep: Endpoint) => Reply): Reply => {
    const ep = store.endpoints.get(name.toLowerCase());
    return ep ? fn(ep) : notFound(`Batch endpoint '${name}'`);
  };

  return [
    {
      method: 'GET',
      pattern: /^\/batchEndpoints$/i,
      handle: (req) => listPage(ctx, req, [...store.endpoints.values()].map(endpointJson)),
    },
    {
      method: 'GET',
      pattern: /^\/batchEndpoints\/([^/]+)$/i,
      handle: (_req, [name = '']) => withEndpoint(name, (ep) => ({ status: 200, body: endpointJson(ep) })),
    },
    {
      method: 'PUT',
      pattern: /^\/batchEndpoints\/([^/]+)$/i,
      handle: (req, [name = '']) => putEndpoint(req, name),
    },
    {
      method: 'DELETE',
      pattern: /^\/batchEndpoints\/([^/]+)$/i,
      handle: (_req, [name = '']) => deleteEndpoint(name),
    },
    {
      method: 'GET',
      pattern: /^\/batchEndpoints\/([^/]+)\/deployments$/i,
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
      pattern: /^\/batchEndpoints\/([^/]+)\/deployments\/([^/]+)$/i,
      handle: (_req, [epName = '', name = '']) =>
        withEndpoint(epName, (ep) => {
          const d = ep.deployments.get(name.toLowerCase());
          return d
            ? { status: 200, body: deploymentJson(ep, d) }
            : notFound(`Batch deployment '${name}' of endpoint '${ep.name}'`);
        }),
    },
    {
      method: 'PUT',
      pattern: /^\/batchEndpoints\/([^/]+)\/deployments\/([^/]+)$/i,
      handle: (req, [epName = '', name = '']) => putDeployment(req, epName, name),
    },
    {
      method: 'DELETE',
      pattern: /^\/batchEndpoints\/([^/]+)\/deployments\/([^/]+)$/i,
      handle: (_req, [epName = '', name = '']) => deleteDeployment(epName, name),
    },
  ];
}

/** `/inference/{endpoint}/jobs[/{job}]`: the batch data plane. Undefined when the path is not one of its. */
export function batchDataPlane(
  ctx: FakeContext,
  store: BatchStore,
  deps: Pick<BatchRouteDeps, 'checkBearer'>,
  req: FakeRequest,
): Reply | undefined {
  const m = /^\/inference\/([^/]+)\/jobs(?:\/([^/]+))?$/.exec(req.path);
  if (!m) return undefined;
  const denied = deps.checkBearer(req.headers.authorization, 'https://ml.azure.com');
  if (denied) return denied;
  store.settle(ctx.clock.now());
  const ep = store.endpoints.get((m[1] ?? '').toLowerCase());
  if (!ep || ep.state === 'Deleting') {
    return armError(404, 'EndpointNotFound', `Batch endpoint '${m[1]}' was not found.`);
  }
  if (m[2]) {
    if (req.method !== 'GET') return armError(405, 'MethodNotAllowed', 'GET only');
    const job = store.jobs.get(m[2]);
    if (!job || job.endpoint !== ep.name) return armError(404, 'JobNotFound', `Job '${m[2]}' was not found.`);
    return { status: 200, body: jobJson(ctx, job) };
  }
  if (req.method !== 'POST') return armError(405, 'MethodNotAllowed', 'POST only');
  store.invokes.push(req);
  const bad = (message: string) => armError(400, 'UserError', message);
  const input = readInvokeInput(req.body);
  if (typeof input === 'string') return bad(input);
  const named = req.headers['azureml-model-deployment'];
  const defaults = (ep.body.properties as { defaults?: { deploymentName?: string } }).defaults;
  const deploymentName = named ?? defaults?.deploymentName;
  if (!deploymentName) {
    return bad(
      `Batch endpoint '${ep.name}' has no default deployment; name one in the azureml-model-deployment header.`,
    );
  }
  const d = ep.deployments.get(deploymentName.toLowerCase());
  if (!d) return bad(`Deployment '${deploymentName}' does not exist in batch endpoint '${ep.name}'.`);
  if (d.state !== 'Succeeded') {
    return bad(`Deployment '${d.name}' is in ${d.state} provisioning state; it cannot run jobs.`);
  }
  const script = store.jobScripts.find(
    (s) =>
      s.remaining > 0 && (s.deployment === undefined || s.deployment.toLowerCase() === d.name.toLowerCase()),
  );
  if (script) script.remaining--;
  const now = ctx.clock.now();
  const props = d.body.properties as Record<string, unknown>;
  const name = `batchjob-${randomUUID()}`;
  const job: BatchJob = {
    name,
    endpoint: ep.name,
    deployment: d.name,
    input,
    request: req.body,
    status: 'NotStarted',
    startAt: now,
    endAt: now + (script?.delayMs ?? ctx.settings.provisioningDelayMs),
    result: script?.result ?? 'Completed',
    ...(script?.result && script.result !== 'Completed'
      ? {
          error: script.error ?? { code: 'UserError', message: `The job ended ${script.result} (scripted).` },
        }
      : {}),
    work: Promise.resolve(),
    workDone: false,
    outputs: [],
    createdAt: now,
  };
  job.work = runJob(ctx, store, job, {
    summaryOnly: props.outputAction === 'SummaryOnly',
    outputFileName: typeof props.outputFileName === 'string' ? props.outputFileName : 'predictions.csv',
  })
    .catch((error: unknown) => {
      job.result = 'Failed';
      job.error = { code: 'UserError', message: (error as Error).message };
    })
    .finally(() => {
      job.workDone = true;
    });
  store.jobs.set(name, job);
  return { status: 200, body: jobJson(ctx, job) };
}

/** The one data input of a model deployment job, in the SDK's camelCase or the REST samples' PascalCase. */
function readInvokeInput(body: unknown): { type: string; uri: string } | string {
  if (!isObject(body) || !isObject(body.properties)) return 'The request body must be {"properties": {...}}.';
  const props = body.properties;
  const known = new Set([
    'inputData',
    'InputData',
    'outputData',
    'OutputData',
    'properties',
    'tags',
    'description',
  ]);
  const unknown = Object.keys(props).filter((k) => !known.has(k));
  if (unknown.length) return `properties.${unknown[0]}: unknown field.`;
  const data = props.inputData ?? props.InputData;
  if (!isObject(data)) return "properties.inputData is required (the job's input).";
  const entries = Object.entries(data);
  if (entries.length !== 1) return `A model deployment takes exactly one input; got ${entries.length}.`;
  const [key, value] = entries[0]!;
  if (!isObject(value)) return `properties.inputData.${key} must be an object.`;
  const pascal = 'JobInputType' in value || 'Uri' in value;
  const typeKey = pascal ? 'JobInputType' : 'jobInputType';
  const uriKey = pascal ? 'Uri' : 'uri';
  const modeKey = pascal ? 'Mode' : 'mode';
  const extra = Object.keys(value).filter((k) => ![typeKey, uriKey, modeKey, 'description'].includes(k));
  if (extra.length) return `properties.inputData.${key}.${extra[0]}: unknown field.`;
  const type = canonicalEnum(value[typeKey], ['UriFolder', 'UriFile']);
  if (!type) return `properties.inputData.${key}.${typeKey} must be UriFolder or UriFile.`;
  const uri = value[uriKey];
  if (typeof uri !== 'string' || !/^(azureml|https?):\/\//.test(uri)) {
    return `properties.inputData.${key}.${uriKey} must be an azureml:// or https:// URI.`;
  }
  return { type, uri };
}

function jobJson(ctx: FakeContext, job: BatchJob) {
  const outputUri = `azureml://datastores/${DATASTORE}/paths/azureml/${job.name}/score/`;
  return {
    id: `${ctx.workspacePath}/batchEndpoints/${job.endpoint}/jobs/${job.name}`,
    name: job.name,
    type: 'Microsoft.MachineLearningServices/workspaces/batchEndpoints/jobs',
    properties: {
      status: job.status,
      endpointName: job.endpoint,
      deploymentName: job.deployment,
      inputData: { [job.input.type]: { jobInputType: job.input.type, uri: job.input.uri } },
      outputData: { score: { jobOutputType: 'UriFolder', uri: outputUri } },
      creationTime: new Date(job.createdAt).toISOString(),
      ...(job.status === 'Failed' || job.status === 'Canceled'
        ? { error: job.error ?? { code: job.status, message: `The job ended ${job.status}.` } }
        : {}),
    },
  };
}

/** Reads the input from Azurite, scores it with the store's scorer, writes the output file. */
async function runJob(
  ctx: FakeContext,
  store: BatchStore,
  job: BatchJob,
  opts: { summaryOnly: boolean; outputFileName: string },
): Promise<void> {
  if (job.result !== 'Completed') return;
  if (!ctx.blobEndpoint) throw new Error('the fake has no storage (start it with blobEndpoint)');
  const container = new ContainerClient(
    `${ctx.blobEndpoint}/${ctx.containerName}`,
    new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY),
  );
  const path = blobPathOf(ctx, job.input.uri);
  if (path === undefined) throw new Error(`the job cannot read its input ${job.input.uri}`);
  const names: string[] = [];
  if (job.input.type === 'UriFile') names.push(path);
  else {
    const prefix = path.endsWith('/') || path === '' ? path : `${path}/`;
    for await (const blob of container.listBlobsFlat({ prefix })) names.push(blob.name);
  }
  names.sort();
  if (names.length === 0) throw new Error(`no input files found at ${job.input.uri}`);
  const lines: string[] = [];
  for (const name of names) {
    const buffer = await container.getBlobClient(name).downloadToBuffer();
    lines.push(
      ...store.scorer({ name: name.slice(name.lastIndexOf('/') + 1), text: buffer.toString('utf8') }),
    );
  }
  if (opts.summaryOnly) return;
  const output = `azureml/${job.name}/score/${opts.outputFileName}`;
  const text = lines.map((l) => `${l}\n`).join('');
  await container.getBlockBlobClient(output).upload(text, Buffer.byteLength(text));
  job.outputs.push(output);
}

/** The blob path in the default datastore's container an input URI points at. */
function blobPathOf(ctx: FakeContext, uri: string): string | undefined {
  const short = /^azureml:\/\/datastores\/([^/]+)\/paths\/(.*)$/i.exec(uri);
  const long =
    /^azureml:\/\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/workspaces\/[^/]+\/datastores\/([^/]+)\/paths\/(.*)$/i.exec(
      uri,
    );
  const m = short ?? long;
  if (m) return m[1]?.toLowerCase() === DATASTORE ? decodeURIComponent(m[2] ?? '') : undefined;
  const base = `${ctx.blobEndpoint}/${ctx.containerName}/`;
  if (ctx.blobEndpoint && uri.startsWith(base))
    return decodeURIComponent(uri.slice(base.length).split('?')[0] ?? '');
  return undefined;
}

function envelope(body: Record<string, unknown>): Record<string, unknown> {
  const { properties: _properties, ...rest } = body;
  return rest;
}
