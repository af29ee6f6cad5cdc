// The Azure Resource Manager client every Azure call goes through: bearer token per request, api-version,
// a client request id, retries with backoff + jitter + Retry-After, 409 "operation in progress" waited out,
// all bounded by a deadline; ARM error envelopes become AzureError.

import { randomUUID } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { type Clock, systemClock } from '../clock.ts';
import { type Log, silentLog } from '../log.ts';
import {
  API_VERSION_REJECTED_CODES,
  type ApiVersionFallback,
  DEFAULT_API_VERSION,
  FALLBACK_API_VERSIONS,
} from './api-versions.ts';
import { armScope, type Credential, type RegisterSecret } from './credentials/credential.ts';
import {
  AzureConnectionError,
  azureErrorFromResponse,
  isOperationInProgressConflict,
  OperationTimeoutError,
  readEnvelope,
} from './errors.ts';
import {
  backoffDelay,
  CONFLICT_BACKOFF,
  failedBeforeSending,
  isConnectionError,
  RETRYABLE_STATUS,
  retryAfterMs,
  TRANSIENT_BACKOFF,
} from './retry-policy.ts';

export { type ApiVersionFallback, DEFAULT_API_VERSION } from './api-versions.ts';

export interface ArmClientOptions {
  /** arm-endpoint, e.g. `https://management.azure.com` (or the test fake's URL). */
  baseUrl: string;
  credential: Credential;
  dispatcher: Dispatcher;
  /** Default DEFAULT_API_VERSION. */
  apiVersion?: string;
  /**
   * The user chose `apiVersion`: never replace it. Default: true when `apiVersion` is given and is not the
   * default. When false, an api-version ARM rejects (InvalidApiVersionParameter, NoRegisteredProviderFound,
   * InvalidResourceType) is retried once with each of FALLBACK_API_VERSIONS, newest first, and the first one
   * that works is used for the rest of the run.
   */
  apiVersionExplicit?: boolean;
  /** Called once when the client moves to an older api-version (also logged as a warning). */
  onApiVersionFallback?: (fallback: ApiVersionFallback) => void;
  clock?: Clock;
  /** [0, 1); injected so backoff schedules are testable. */
  random?: () => number;
  log?: Log;
  /** Epoch ms after which no request is sent or retried (a call's own deadline wins). */
  deadline?: number;
  /** Without any deadline, give up retrying after this long. Default 10 minutes. */
  defaultTimeoutMs?: number;
  /** Retries for throttling, 5xx and connection errors (409 waits are bounded by the deadline only). */
  maxRetries?: number;
  /** Token scope; default `<baseUrl>/.default`. */
  scope?: string;
  /** Called before every attempt (benches and tests count reads with it). */
  onRequest?: (event: ArmRequestEvent) => void;
  /** Receives secret values found in responses (keys, tokens, SAS URLs) so the caller can mask them. */
  registerSecret?: RegisterSecret;
  userAgent?: string;
}

export interface ArmRequestEvent {
  method: string;
  url: string;
  attempt: number;
}

export interface ArmRequestOptions {
  body?: unknown;
  apiVersion?: string;
  /** Epoch ms; wins over the client's deadline. */
  deadline?: number;
  signal?: AbortSignal;
  query?: Record<string, string | number | boolean | undefined>;
  /** Marks a POST safe to repeat after a connection dropped mid-flight (listKeys, token, getLogs, ...). */
  idempotent?: boolean;
  /** Statuses returned as a response instead of thrown (e.g. [404] to test existence). */
  allowStatus?: readonly number[];
  /**
   * On a 409 "operation in progress", wait and send the same request again (default), or throw the 409. The
   * default is false for a PUT whose body carries traffic maps (`properties.traffic` / `mirrorTraffic`): such a
   * body was computed from a state another operation is changing, so resending it could undo that change. The
   * caller reads the resource again and recomputes (see putEndpointFromFresh).
   */
  resendOnConflict?: boolean;
}

export interface ArmResponse<T = unknown> {
  method: string;
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** Parsed JSON, the raw text when it is not JSON, or undefined when empty. */
  body: T;
  /** x-ms-request-id, for messages and support cases. */
  requestId: string | undefined;
  url: string;
}

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);
/** What a non-idempotent request may retry on: answers that say the request was not processed. */
const NOT_PROCESSED_STATUS = new Set([408, 429, 503]);
const SECRET_FIELDS = new Set([
  'primaryKey',
  'secondaryKey',
  'accessToken',
  'key',
  'sasToken',
  'sasUri',
  'connectionString',
  'password',
  'clientSecret',
  'secret',
]);

export class ArmClient {
  readonly baseUrl: string;
  readonly clock: Clock;
  readonly log: Log;
  readonly #options: ArmClientOptions;
  readonly #random: () => number;
  readonly #scope: string;
  /** The api-version in use first, then the ones that may replace it (empty when it may not be replaced). */
  readonly #versions: readonly string[];
  #versionIndex = 0;
  #fallback: ApiVersionFallback | undefined;

  constructor(options: ArmClientOptions) {
    this.#options = options;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.clock = options.clock ?? systemClock;
    const chosen = options.apiVersion ?? DEFAULT_API_VERSION;
    const explicit = options.apiVersionExplicit ?? chosen !== DEFAULT_API_VERSION;
    this.#versions = explicit ? [chosen] : [chosen, ...FALLBACK_API_VERSIONS.filter((v) => v !== chosen)];
    this.log = options.log ?? silentLog;
    this.#random = options.random ?? Math.random;
    this.#scope = options.scope ?? armScope(this.baseUrl);
  }

  /** The api-version requests carry now: the chosen one, or the older one the client fell back to. */
  get apiVersion(): string {
    return this.#versions[this.#versionIndex] ?? DEFAULT_API_VERSION;
  }

  /** Set once the default api-version was rejected and an older one worked: for the job summary. */
  get apiVersionFallback(): ApiVersionFallback | undefined {
    return this.#fallback;
  }

  get<T = unknown>(path: string, options?: ArmRequestOptions): Promise<ArmResponse<T>> {
    return this.request<T>('GET', path, options);
  }
  put<T = unknown>(path: string, options?: ArmRequestOptions): Promise<ArmResponse<T>> {
    return this.request<T>('PUT', path, options);
  }
  post<T = unknown>(path: string, options?: ArmRequestOptions): Promise<ArmResponse<T>> {
    return this.request<T>('POST', path, options);
  }
  patch<T = unknown>(path: string, options?: ArmRequestOptions): Promise<ArmResponse<T>> {
    return this.request<T>('PATCH', path, options);
  }
  delete<T = unknown>(path: string, options?: ArmRequestOptions): Promise<ArmResponse<T>> {
    return this.request<T>('DELETE', path, options);
  }

  /** Every item of a paged list, following `nextLink` (which already carries its api-version). */
  async listAll<T = unknown>(path: string, options: ArmRequestOptions = {}): Promise<T[]> {
    const items: T[] = [];
    let next: string | undefined = path;
    let first = true;
    for (let page = 0; next && page < 1000; page++) {
      const res: ArmResponse<{ value?: T[]; nextLink?: string | null }> = await this.get(next, {
        ...options,
        // The query belongs to the first request; nextLink carries its own.
        ...(first ? {} : { query: undefined }),
      });
      first = false;
      items.push(...(res.body?.value ?? []));
      next = res.body?.nextLink || undefined;
    }
    return items;
  }

  async request<T = unknown>(
    method: string,
    path: string,
    options: ArmRequestOptions = {},
  ): Promise<ArmResponse<T>> {
    const url = this.#resolve(path, options);
    // Only an api-version this client chose may be replaced (not a caller's, a nextLink's or a status URL's).
    const versionIsOurs = !/[?&]api-version=/i.test(path) && options.apiVersion === undefined;
    let rejected: { version: string; code: string; response: ArmResponse<T> } | undefined;
    const shortPath = url.pathname + url.search;
    const deadline =
      options.deadline ??
      this.#options.deadline ??
      this.clock.now() + (this.#options.defaultTimeoutMs ?? 600_000);
    const idempotent = options.idempotent ?? IDEMPOTENT_METHODS.has(method);
    const resendOnConflict =
      options.resendOnConflict ?? !(method === 'PUT' && carriesTrafficMaps(options.body));
    const maxRetries = this.#options.maxRetries ?? 8;
    const clientRequestId = randomUUID();
    let retries = 0;
    let conflictWaits = 0;

    for (let attempt = 1; ; attempt++) {
      options.signal?.throwIfAborted();
      const remaining = deadline - this.clock.now();
      if (remaining <= 0) {
        throw new OperationTimeoutError(
          `${method} ${url.pathname}: the deadline passed before the request was sent`,
          undefined,
        );
      }
      this.#options.onRequest?.({ method, url: url.href, attempt });
      const token = await this.#options.credential.getToken(this.#scope, options.signal);
      const started = this.clock.now();
      let response: ArmResponse<T>;
      // Node turns timers beyond 2^31-1 ms into 1 ms; a far deadline must not abort at once.
      const timeout = AbortSignal.timeout(Math.min(Math.max(1, remaining), 2 ** 31 - 1));
      const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
      try {
        response = await this.#send<T>(method, url, token.token, options.body, clientRequestId, signal);
      } catch (error) {
        options.signal?.throwIfAborted();
        if (timeout.aborted) {
          throw new OperationTimeoutError(
            `${method} ${url.pathname}: the deadline passed while waiting for Azure to answer`,
            undefined,
          );
        }
        if (!isConnectionError(error)) throw error;
        if (!idempotent && !failedBeforeSending(error)) {
          throw new AzureConnectionError(
            method,
            shortPath,
            error,
            'Not retried: the request may have been processed and is not idempotent.',
          );
        }
        if (retries >= maxRetries) {
          throw new AzureConnectionError(method, shortPath, error, `Gave up after ${attempt} attempts.`);
        }
        const delay = backoffDelay(retries++, TRANSIENT_BACKOFF, this.#random);
        if (this.clock.now() + delay >= deadline) {
          throw new AzureConnectionError(
            method,
            shortPath,
            error,
            'Gave up: the deadline would pass before the next attempt.',
          );
        }
        this.log.debug(`ARM ${method} ${url.pathname}: ${(error as Error).message}; retrying in ${delay} ms`);
        await this.clock.sleep(delay, options.signal);
        continue;
      }
      this.log.debug(
        `ARM ${method} ${url.pathname} -> ${response.status} (${this.clock.now() - started} ms)`,
      );

      // Before allowStatus: a 404 InvalidResourceType must not read as "not found".
      const sentVersion = url.searchParams.get('api-version') ?? '';
      const rejection = versionIsOurs ? apiVersionRejection(response) : undefined;
      if (rejection) {
        rejected ??= { version: sentVersion, code: rejection, response };
        const next = this.#versionAfter(sentVersion);
        if (next !== undefined) {
          this.log.debug(
            `ARM ${method} ${url.pathname}: api-version ${sentVersion} rejected (${rejection}); trying ${next}`,
          );
          url.searchParams.set('api-version', next);
          continue;
        }
        if (rejected.response !== response) {
          const tried = this.#versions.slice(this.#versions.indexOf(rejected.version) + 1).join(', ');
          throw azureErrorFromResponse({
            ...rejected.response,
            method,
            path: shortPath,
            note: `The older api-versions ${tried} were rejected too.`,
          });
        }
      } else if (versionIsOurs && rejected && sentVersion !== rejected.version) {
        this.#adopt(sentVersion, rejected.version, rejected.code);
      }

      if (response.status < 300 || options.allowStatus?.includes(response.status)) {
        this.#registerSecrets(response.body);
        return response;
      }

      const inProgress = isOperationInProgressConflict(response.status, response.body);
      const transient =
        RETRYABLE_STATUS.has(response.status) && (idempotent || NOT_PROCESSED_STATUS.has(response.status));
      const fail = (note?: string) =>
        azureErrorFromResponse({ ...response, method, path: shortPath, ...(note ? { note } : {}) });
      if (!inProgress && !transient) throw fail();
      if (inProgress && !resendOnConflict) {
        throw fail('Not resent: the body carries traffic maps computed before the other operation.');
      }
      if (transient && retries >= maxRetries) throw fail(`Gave up after ${attempt} attempts.`);

      const asked = retryAfterMs(response.headers, this.clock.now());
      const delay =
        asked ??
        (inProgress
          ? backoffDelay(conflictWaits, CONFLICT_BACKOFF, this.#random)
          : backoffDelay(retries, TRANSIENT_BACKOFF, this.#random));
      if (inProgress) conflictWaits++;
      else retries++;
      if (this.clock.now() + delay >= deadline) {
        throw fail(
          asked !== undefined
            ? `Azure asked to retry after ${Math.ceil(asked / 1000)} s, past the deadline.`
            : 'Gave up: the deadline would pass before the next attempt.',
        );
      }
      this.log.debug(
        `ARM ${method} ${url.pathname}: HTTP ${response.status}${inProgress ? ' (another operation in progress)' : ''}; retrying in ${delay} ms`,
      );
      await this.clock.sleep(delay, options.signal);
    }
  }

  /** The next api-version to try after `version` was rejected, if this client may replace it. */
  #versionAfter(version: string): string | undefined {
    const index = this.#versions.indexOf(version);
    return index === -1 ? undefined : this.#versions[index + 1];
  }

  #adopt(version: string, rejected: string, code: string): void {
    const index = this.#versions.indexOf(version);
    if (index <= this.#versionIndex) return;
    this.#versionIndex = index;
    this.#fallback = {
      rejected: this.#fallback?.rejected ?? rejected,
      code: this.#fallback?.code ?? code,
      used: version,
    };
    this.log.warn(
      `Azure Resource Manager rejected api-version ${rejected} (${code}); using ${version} for the rest of this run. Set the api-version input to choose one.`,
    );
    this.#options.onApiVersionFallback?.(this.#fallback);
  }

  #resolve(path: string, options: ArmRequestOptions): URL {
    let url: URL;
    if (/^https?:\/\//i.test(path)) {
      url = new URL(path);
      // Status URLs and nextLinks come from responses: never send the token anywhere but ARM.
      if (url.origin !== new URL(this.baseUrl).origin) {
        throw new Error(
          `refusing to send the ARM token to ${url.origin}: it is not arm-endpoint (${this.baseUrl})`,
        );
      }
    } else {
      url = new URL(`${this.baseUrl}${path.startsWith('/') ? '' : '/'}${path}`);
    }
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    if (!url.searchParams.has('api-version')) {
      url.searchParams.set('api-version', options.apiVersion ?? this.apiVersion);
    }
    return url;
  }

  async #send<T>(
    method: string,
    url: URL,
    token: string,
    body: unknown,
    clientRequestId: string,
    signal: AbortSignal,
  ): Promise<ArmResponse<T>> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      'x-ms-client-request-id': clientRequestId,
      'user-agent': this.#options.userAgent ?? 'azureml-deploy',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await this.#options.dispatcher.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method: method as Dispatcher.HttpMethod,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
      signal,
    });
    const text = await res.body.text();
    const responseHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined)
        responseHeaders[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
    return {
      method,
      status: res.statusCode,
      headers: responseHeaders,
      body: parseBody(text) as T,
      requestId: responseHeaders['x-ms-request-id'],
      url: url.href,
    };
  }

  #registerSecrets(body: unknown, depth = 0): void {
    const register = this.#options.registerSecret;
    if (!register || depth > 6 || typeof body !== 'object' || body === null) return;
    for (const [name, value] of Object.entries(body)) {
      if (typeof value === 'string' && SECRET_FIELDS.has(name) && value.length >= 4) register(value);
      else if (typeof value === 'object') this.#registerSecrets(value, depth + 1);
    }
  }
}

/** A body with `properties.traffic` or `properties.mirrorTraffic` (an online endpoint's traffic maps). */
function carriesTrafficMaps(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const props = (body as { properties?: unknown }).properties;
  return typeof props === 'object' && props !== null && ('traffic' in props || 'mirrorTraffic' in props);
}

/** The ARM error code when a response says the api-version is not available (else undefined). */
function apiVersionRejection(response: ArmResponse): string | undefined {
  if (response.status < 400 || response.status >= 500) return undefined;
  const code = readEnvelope(response.body)?.code;
  return code !== undefined && API_VERSION_REJECTED_CODES.has(code) ? code : undefined;
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
