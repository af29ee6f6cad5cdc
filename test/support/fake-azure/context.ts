// What the fake's route modules share: the request as recorded, the reply they return, ARM error envelopes,
// and the workspace the fake serves.

import type { Clock } from '../../../src/clock.ts';

export interface FakeRequest {
  method: string;
  /** Decoded path without the query. */
  path: string;
  query: Record<string, string>;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** Parsed JSON (ARM), parsed form fields (token endpoint), or undefined. */
  body: unknown;
  rawBody: string;
  /** clock.now() when it arrived. */
  at: number;
  /** Set when a scripted fault answered it. */
  fault?: boolean;
  /** The status the fake answered with (set when it answered). */
  status?: number;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface ArmErrorBody {
  code: string;
  message: string;
  target?: string;
  details?: ArmErrorBody[];
}

export function armError(status: number, code: string, message: string, details?: ArmErrorBody[]): Reply {
  return { status, body: { error: { code, message, ...(details ? { details } : {}) } } };
}

export interface FakeSettings {
  /** How long Creating/Updating/Deleting lasts before the scripted or default outcome. */
  provisioningDelayMs: number;
  /** Items per page of list answers (nextLink beyond). */
  pageSize: number;
  /** Lifetime of issued Entra access tokens. */
  tokenLifetimeSeconds: number;
  /** Write `properties.properties.AzureAsyncOperationUri` into endpoints/deployments (Azure ML does). */
  asyncOperationUriInBody: boolean;
  /** Send Azure-AsyncOperation on 201 creates (the spec declares it). */
  asyncOperationHeader: boolean;
  /** Retry-After (seconds) on 202 Location answers and operation polls; undefined sends none. */
  pollRetryAfterSeconds: number | undefined;
  /**
   * Retry-After (seconds) on the 202 Accepted that starts an operation (DELETE), as the spec declares for it;
   * undefined sends none. Default 1.
   */
  acceptedRetryAfterSeconds: number | undefined;
  /** `strict`: ARM routes need an unexpired token the fake issued for `<url>/.default`. */
  auth: 'strict' | 'any';
  /**
   * The default datastore's credentials: `AccountKey` (listSecrets gives the key), `Sas` (a container SAS) or
   * `None` (identity-based: listSecrets answers 400, clients use their own Entra token for storage).
   */
  datastoreCredentials: 'AccountKey' | 'Sas' | 'None';
}

export interface WorkspaceInfo {
  subscriptionId: string;
  resourceGroup: string;
  workspaceName: string;
  location: string;
  workspaceId: string;
  tenantId: string;
}

export interface FakeContext {
  url: string;
  clock: Clock;
  settings: FakeSettings;
  workspace: WorkspaceInfo;
  /** `/subscriptions/.../workspaces/{ws}` */
  workspacePath: string;
  /** Path-style Azurite endpoint with the account, e.g. `http://127.0.0.1:10000/devstoreaccount1`. */
  blobEndpoint: string | undefined;
  /** The default datastore's container (created in Azurite at start). */
  containerName: string;
  /** The api-version operation status URLs carry (the newest one the fake accepts). */
  operationApiVersion: string;
  /** Increasing number: creation order for `$orderBy=createdtime` when the clock stands still. */
  nextSequence(): number;
  systemData(createdAt: number, modifiedAt?: number): Record<string, unknown>;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A route below the workspace path (`rest` is what follows `/workspaces/{ws}`). */
export interface Route {
  method: string;
  pattern: RegExp;
  handle(req: FakeRequest, params: string[]): Reply;
}

/** A query parameter, looked up case-insensitively as ARM does (`$orderBy` / `$orderby`). */
export function queryParam(req: FakeRequest, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(req.query)) if (key.toLowerCase() === lower) return value;
  return undefined;
}

/** One page of a list answer, with a nextLink that carries the query (api-version included) and `$skip`. */
export function listPage(ctx: FakeContext, req: FakeRequest, items: unknown[]): Reply {
  const top = Number(queryParam(req, '$top'));
  const all = Number.isInteger(top) && top > 0 ? items.slice(0, top) : items;
  const skip = Math.max(0, Number(queryParam(req, '$skip') ?? 0) || 0);
  const value = all.slice(skip, skip + ctx.settings.pageSize);
  const body: Record<string, unknown> = { value };
  if (skip + ctx.settings.pageSize < all.length) {
    const params = new URLSearchParams(req.query);
    for (const key of [...params.keys()]) if (key.toLowerCase() === '$skip') params.delete(key);
    params.set('$skip', String(skip + ctx.settings.pageSize));
    body.nextLink = `${ctx.url}${req.path}?${params.toString()}`;
  }
  return { status: 200, body };
}

/** 400 with the shape problems, in the ARM envelope. */
export function invalidContent(kind: string, problems: string[]): Reply {
  return armError(
    400,
    'InvalidRequestContent',
    `The request content for ${kind} was invalid: ${problems.join('; ')}`,
    problems.map((p) => ({ code: 'InvalidRequestContent', message: p, target: p.split(':')[0] ?? '' })),
  );
}
