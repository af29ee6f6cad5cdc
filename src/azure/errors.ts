// Errors from Azure (ARM and Entra) turned into messages that say what to do. The raw service fields stay
// available on the error for code that branches on them (targets map quota errors to Unschedulable, ...).

import { describeArmResource } from './resource-path.ts';

/** One entry of the ARM error envelope (common-types v3 ErrorResponse). */
export interface ArmErrorDetail {
  code?: string;
  message?: string;
  target?: string;
  details?: ArmErrorDetail[];
  additionalInfo?: { type?: string; info?: unknown }[];
}

/** What kind of failure this is, so callers can branch without parsing codes. */
export type AzureErrorKind =
  | 'authentication'
  | 'authorization'
  | 'not-found'
  | 'quota'
  | 'throttled'
  | 'conflict'
  | 'validation'
  | 'server'
  | 'other';

export interface AzureErrorInit {
  status: number;
  code: string;
  serviceMessage: string;
  target?: string | undefined;
  details?: ArmErrorDetail[] | undefined;
  requestId?: string | undefined;
  correlationId?: string | undefined;
  method: string;
  /** Path (and query) of the failed request, without the host. */
  path: string;
  /** Extra words for the message, e.g. why retrying stopped. */
  note?: string | undefined;
}

/** A failed ARM request. `message` is the actionable text; the service's own words are `serviceMessage`. */
export class AzureError extends Error {
  override name = 'AzureError';
  readonly status: number;
  readonly code: string;
  readonly serviceMessage: string;
  readonly target: string | undefined;
  readonly details: ArmErrorDetail[];
  /** x-ms-request-id (or the correlation id when Azure sent no request id): quote it in support cases. */
  readonly requestId: string | undefined;
  readonly correlationId: string | undefined;
  readonly method: string;
  readonly path: string;
  readonly kind: AzureErrorKind;
  /** The "what to do" sentence, also part of `message`. */
  readonly hint: string | undefined;

  constructor(init: AzureErrorInit) {
    const kind = classify(init.status, init.code, init.serviceMessage, init.details ?? []);
    const { summary, hint } = explain(kind, init);
    const ids = [`HTTP ${init.status}`, `${init.method} ${stripQuery(init.path)}`];
    if (init.requestId) ids.push(`request id ${init.requestId}`);
    super(`${summary}${hint ? ` ${hint}` : ''}${init.note ? ` ${init.note}` : ''} (${ids.join(', ')})`);
    this.status = init.status;
    this.code = init.code;
    this.serviceMessage = init.serviceMessage;
    this.target = init.target;
    this.details = init.details ?? [];
    this.requestId = init.requestId;
    this.correlationId = init.correlationId;
    this.method = init.method;
    this.path = init.path;
    this.kind = kind;
    this.hint = hint;
  }
}

/** Builds an AzureError from any HTTP error response: the ARM envelope when present, else the raw text. */
export function azureErrorFromResponse(res: {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  method: string;
  path: string;
  note?: string;
}): AzureError {
  const envelope = readEnvelope(res.body);
  const fallbackMessage =
    typeof res.body === 'string' && res.body.trim() !== ''
      ? res.body.trim().slice(0, 300)
      : `Azure answered HTTP ${res.status} with no error details`;
  const requestId = res.headers['x-ms-request-id'] || res.headers['x-ms-correlation-request-id'] || undefined;
  return new AzureError({
    status: res.status,
    code: envelope?.code || `HttpStatus${res.status}`,
    serviceMessage: envelope?.message || fallbackMessage,
    target: envelope?.target,
    details: envelope?.details,
    requestId,
    correlationId: res.headers['x-ms-correlation-request-id'] || undefined,
    method: res.method,
    path: res.path,
    note: res.note,
  });
}

/** The `error` object of an ARM error body, or undefined when the body is not an envelope. */
export function readEnvelope(body: unknown): ArmErrorDetail | undefined {
  if (!isObject(body)) return undefined;
  const inner = isObject(body.error) ? body.error : body;
  if (typeof inner.code !== 'string' && typeof inner.message !== 'string') return undefined;
  return inner as ArmErrorDetail;
}

/** ARM's "another operation is in progress on this resource" conflict, which is worth waiting out. */
export function isOperationInProgressConflict(status: number, body: unknown): boolean {
  if (status !== 409) return false;
  const envelope = readEnvelope(body);
  if (!envelope) return false;
  const code = envelope.code ?? '';
  const text = `${envelope.message ?? ''} ${(envelope.details ?? []).map((d) => d.message ?? '').join(' ')}`;
  if (/^(OperationInProgress|AnotherOperationInProgress|ConflictingOperationInProgress)$/i.test(code))
    return true;
  return /in progress|provisioning state|another operation|is being (created|updated|deleted)|currently (being )?(updat|creat|delet|process)/i.test(
    text,
  );
}

const QUOTA_CODE = /quota/i;

function classify(status: number, code: string, message: string, details: ArmErrorDetail[]): AzureErrorKind {
  const codes = [code, ...details.map((d) => d.code ?? '')];
  const text = [message, ...details.map((d) => d.message ?? '')].join(' ');
  if (codes.some((c) => QUOTA_CODE.test(c)) || /not enough quota|quota (exceeded|limit)/i.test(text))
    return 'quota';
  if (code === 'AuthorizationFailed' || code === 'LinkedAuthorizationFailed' || status === 403)
    return 'authorization';
  if (status === 401) return 'authentication';
  if (status === 404 || /NotFound$/.test(code)) return 'not-found';
  if (status === 429) return 'throttled';
  if (status === 409) return 'conflict';
  if (status >= 500) return 'server';
  if (status === 400 || status === 422) return 'validation';
  return 'other';
}

function explain(kind: AzureErrorKind, init: AzureErrorInit): { summary: string; hint: string | undefined } {
  const serviceText = `${init.code}: ${init.serviceMessage}${formatDetails(init.details, init.serviceMessage)}`;
  switch (kind) {
    case 'authorization':
      return explainAuthorization(init);
    case 'not-found':
      return explainNotFound(init);
    case 'quota':
      return {
        summary: serviceText,
        hint: quotaHint(init.serviceMessage, init.details),
      };
    case 'authentication':
      return {
        summary: serviceText,
        hint: 'The access token was rejected: check that client-id/tenant-id (or the azure/login session) belong to the tenant of subscription-id, and that arm-endpoint matches the cloud the token is for.',
      };
    case 'throttled':
      return {
        summary: serviceText,
        hint: 'Azure Resource Manager throttled this identity; retries ran out. Run fewer jobs against the subscription at once, or try again later.',
      };
    case 'conflict':
      return {
        summary: serviceText,
        hint: isOperationInProgressConflict(init.status, {
          error: { code: init.code, message: init.serviceMessage, details: init.details },
        })
          ? 'Another operation on this resource was still running when the deadline came; let it finish (or cancel it) and run again.'
          : undefined,
      };
    default:
      return { summary: serviceText, hint: undefined };
  }
}

// ARM's wording: The client 'x' with object id 'y' does not have authorization to perform action 'a' over
// scope 's' or the scope is invalid.
const AUTHZ = /client '([^']*)' with object id '([^']*)'.*?action '([^']*)' over scope '([^']*)'/is;

function explainAuthorization(init: AzureErrorInit): { summary: string; hint: string } {
  const m = AUTHZ.exec(init.serviceMessage);
  if (!m) {
    return {
      summary: `${init.code}: ${init.serviceMessage}`,
      hint: 'Grant the identity this action runs as the AzureML Data Scientist role (or a role with the needed action) on the workspace.',
    };
  }
  const [, client, objectId, action, scope] = m;
  return {
    summary: `${init.code}: the identity with client id '${client}' (object id '${objectId}') may not perform '${action}' on '${scope}'.`,
    hint: `Grant it AzureML Data Scientist (or a role with ${action}) on ${scope}, e.g. az role assignment create --assignee-object-id ${objectId} --assignee-principal-type ServicePrincipal --role "AzureML Data Scientist" --scope ${scope}`,
  };
}

function explainNotFound(init: AzureErrorInit): { summary: string; hint: string } {
  const where = describeArmResource(init.path);
  if (!where) {
    return {
      summary: `${init.code}: ${init.serviceMessage}`,
      hint: 'Check the names and the workspace inputs (subscription-id, resource-group, workspace-name).',
    };
  }
  if (init.code === 'ResourceGroupNotFound' || where.kind === 'resource group') {
    return {
      summary: `${init.code}: resource group '${where.resourceGroup}' was not found in subscription '${where.subscription}'.`,
      hint: 'Check resource-group and subscription-id (or the workspace config file).',
    };
  }
  if (where.kind === 'workspace') {
    return {
      summary: `${init.code}: workspace '${where.workspace}' was not found in resource group '${where.resourceGroup}' (subscription '${where.subscription}').`,
      hint: 'Check workspace-name, resource-group and subscription-id (or the workspace config file).',
    };
  }
  const inWorkspace = `workspace '${where.workspace}' (resource group '${where.resourceGroup}', subscription '${where.subscription}')`;
  if (init.method === 'PUT' || init.method === 'PATCH') {
    // Creating something answers 404 when what it builds on is missing: its parent or an id in the body.
    return {
      summary: `${init.code}: ${init.serviceMessage}`,
      hint: `Something ${where.description} refers to (its parent, or an asset id in the request) does not exist in ${inWorkspace}.`,
    };
  }
  return {
    summary: `${init.code}: ${where.description} was not found in ${inWorkspace}.`,
    hint: 'Check the name, or create it first.',
  };
}

function quotaHint(message: string, details: ArmErrorDetail[] | undefined): string {
  const text = `${message} ${(details ?? []).map((d) => d.message ?? '').join(' ')}`;
  const sku = /\b(Standard_[A-Za-z0-9_]+)\b/.exec(text)?.[1];
  const what = sku ? `the VM family of ${sku}` : 'the VM family of the instance type';
  return `Request more quota for ${what} in the workspace's region (Azure portal > Azure Machine Learning > Quota, or https://aka.ms/azureml-quota), or use a smaller instance-type or instance-count; managed deployments reserve 20% extra instances for upgrades.`;
}

function formatDetails(details: ArmErrorDetail[] | undefined, message: string): string {
  if (!details?.length) return '';
  const lines = details
    .filter((d) => !d.message || !message.includes(d.message))
    .slice(0, 5)
    .map((d) => [d.code, d.target ? `(${d.target})` : '', d.message].filter(Boolean).join(' '))
    .filter((line) => line !== '');
  return lines.length ? ` [${lines.join('; ')}]` : '';
}

function stripQuery(path: string): string {
  const i = path.indexOf('?');
  return i === -1 ? path : path.slice(0, i);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A credential could not produce a token; `message` says which source failed and what to do. */
export class AzureAuthError extends Error {
  override name = 'AzureAuthError';
  /** `AADSTS700024`, ... when Entra answered with one. */
  readonly aadsts: string | undefined;
  readonly source: string;
  constructor(source: string, message: string, aadsts?: string) {
    super(message);
    this.source = source;
    this.aadsts = aadsts;
  }
}

/** A long-running operation did not reach a terminal state before its deadline. */
export class OperationTimeoutError extends Error {
  override name = 'OperationTimeoutError';
  /** The last state seen (`Creating`, `InProgress`, ...). */
  readonly lastState: string | undefined;
  constructor(message: string, lastState: string | undefined) {
    super(message);
    this.lastState = lastState;
  }
}

/** An ARM request that got no HTTP answer (reset, refused, timed out) and could not be retried further. */
export class AzureConnectionError extends Error {
  override name = 'AzureConnectionError';
  readonly method: string;
  readonly path: string;
  constructor(method: string, path: string, cause: unknown, note: string) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      `${method} ${stripQuery(path)}: no answer from Azure (${reason}). ${note} Check the network, the proxy settings (HTTPS_PROXY, NO_PROXY) and arm-endpoint.`,
      { cause },
    );
    this.method = method;
    this.path = path;
  }
}
