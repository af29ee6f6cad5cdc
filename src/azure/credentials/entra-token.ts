// The client-credentials token request at Entra ID (`{authority-host}/{tenant}/oauth2/v2.0/token`), with a
// client secret or a federated assertion (a GitHub ID token), and Entra's AADSTS errors turned into advice.

import type { Dispatcher } from 'undici';
import { request } from 'undici';
import type { Clock } from '../../clock.ts';
import { AzureAuthError } from '../errors.ts';
import type { AccessToken } from './credential.ts';

export interface EntraTokenRequest {
  authorityHost: string;
  tenantId: string;
  clientId: string;
  scope: string;
  /** Exactly one of secret / assertion. */
  secret?: string;
  assertion?: string;
  dispatcher: Dispatcher;
  clock: Clock;
  signal?: AbortSignal | undefined;
  /** Names the credential in messages, e.g. `GitHub OIDC (client-id + tenant-id)`. */
  source: string;
  /** Extra advice per AADSTS code, for advice only this source can give. */
  hints?: Record<string, string>;
}

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const TRANSIENT_ATTEMPTS = 3;

export async function requestEntraToken(req: EntraTokenRequest): Promise<AccessToken> {
  const url = `${req.authorityHost.replace(/\/+$/, '')}/${encodeURIComponent(req.tenantId)}/oauth2/v2.0/token`;
  const form = new URLSearchParams({
    client_id: req.clientId,
    grant_type: 'client_credentials',
    scope: req.scope,
  });
  if (req.assertion !== undefined) {
    form.set('client_assertion_type', JWT_BEARER);
    form.set('client_assertion', req.assertion);
  } else if (req.secret !== undefined) {
    form.set('client_secret', req.secret);
  }
  for (let attempt = 1; ; attempt++) {
    let status: number;
    let text: string;
    try {
      const res = await request(url, {
        method: 'POST',
        dispatcher: req.dispatcher,
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        ...(req.signal ? { signal: req.signal } : {}),
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (error) {
      if (req.signal?.aborted || attempt >= TRANSIENT_ATTEMPTS) {
        throw new AzureAuthError(
          req.source,
          `${req.source}: could not reach ${url}: ${(error as Error).message}. Check authority-host and the network/proxy settings.`,
        );
      }
      await req.clock.sleep(1000 * attempt, req.signal);
      continue;
    }
    const body = parseJson(text);
    if (status === 200 && typeof body?.access_token === 'string') {
      const expiresIn = Number(body.expires_in);
      const lifetimeMs = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn * 1000 : 3600_000;
      return { token: body.access_token, expiresOnMs: req.clock.now() + lifetimeMs };
    }
    if ((status >= 500 || status === 429) && attempt < TRANSIENT_ATTEMPTS) {
      await req.clock.sleep(1000 * attempt, req.signal);
      continue;
    }
    throw entraError(req, status, body, text);
  }
}

function entraError(
  req: EntraTokenRequest,
  status: number,
  body: Record<string, unknown> | undefined,
  text: string,
): AzureAuthError {
  const description =
    typeof body?.error_description === 'string' ? body.error_description : text.slice(0, 300);
  // Entra appends "Trace ID: ... Correlation ID: ... Timestamp: ..." lines; keep the first line for the message.
  const firstLine = description.split(/\r?\n/)[0]?.trim() || `HTTP ${status}`;
  const code = /AADSTS(\d+)/.exec(description)?.[0];
  const error = typeof body?.error === 'string' ? body.error : `HTTP ${status}`;
  const hint = (code && (req.hints?.[code] ?? defaultHint(code, req))) || '';
  return new AzureAuthError(
    req.source,
    `${req.source}: Entra ID refused the token request for ${req.scope} (${error}): ${firstLine}${hint ? ` ${hint}` : ''}`,
    code,
  );
}

function defaultHint(code: string, req: EntraTokenRequest): string | undefined {
  switch (code) {
    case 'AADSTS700024':
      return 'The client assertion had expired before it was exchanged; check the runner clock.';
    case 'AADSTS70021':
    case 'AADSTS700211':
    case 'AADSTS700212':
    case 'AADSTS700213':
      return `No federated credential of app '${req.clientId}' matches this job: add one with issuer https://token.actions.githubusercontent.com, audience api://AzureADTokenExchange and the subject quoted above (e.g. repo:OWNER/REPO:ref:refs/heads/main, repo:OWNER/REPO:environment:NAME or repo:OWNER/REPO:pull_request).`;
    case 'AADSTS7000215':
      return `client-secret is not a valid secret of app '${req.clientId}': pass the secret's value, not its id.`;
    case 'AADSTS7000222':
      return `The client secret of app '${req.clientId}' has expired: create a new one and update the secret.`;
    case 'AADSTS700016':
      return `No application with client id '${req.clientId}' exists in tenant '${req.tenantId}': check client-id and tenant-id.`;
    case 'AADSTS90002':
    case 'AADSTS900023':
      return `Tenant '${req.tenantId}' was not found: check tenant-id (and authority-host for sovereign clouds).`;
    case 'AADSTS500011':
      return `The resource of scope ${req.scope} is not known in this tenant: check that arm-endpoint and authority-host belong to the same cloud.`;
    default:
      return undefined;
  }
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
