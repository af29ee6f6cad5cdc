// What a scoring request to an online endpoint needs, by the endpoint's auth mode: Key → listKeys'
// primaryKey, AMLToken → the endpoint's token, AADToken → an Entra token for https://ml.azure.com. Used by
// the smoke gate and smoke-test-service. The ARM client hands keys and tokens to registerSecret, so they
// are masked; nothing here logs them.

import { ML_SCOPE } from '../../azure/credentials/credential.ts';
import type { AzureWorkspace } from '../../azure/workspace.ts';
import { endpointPath, getEndpoint, type RequestScope } from './online-resources.ts';

export type EndpointAuthMode = 'Key' | 'AMLToken' | 'AADToken';

export interface ScoringCredentials {
  authMode: EndpointAuthMode;
  scoringUri: string | undefined;
  swaggerUri: string | undefined;
  /** Epoch ms after which the token stops working (AMLToken/AADToken), when Azure says. */
  expiresOnMs: number | undefined;
  /** `{authorization: 'Bearer …'}`: a function, so the secret is not a plain property of the result. */
  headers(): Record<string, string>;
}

export async function scoringCredentials(
  ws: AzureWorkspace,
  endpointName: string,
  opts: RequestScope & {
    /** Use this auth instead of the endpoint's own mode. */ authMode?: EndpointAuthMode;
  } = {},
): Promise<ScoringCredentials> {
  const endpoint = await getEndpoint(ws, endpointName, opts);
  if (!endpoint) {
    throw new Error(`online endpoint '${endpointName}' was not found in workspace ${ws.ref.workspaceName}`);
  }
  const p = endpoint.properties;
  const mode = opts.authMode ?? normalizeAuthMode(p.authMode);
  const uris = {
    scoringUri: typeof p.scoringUri === 'string' ? p.scoringUri : undefined,
    swaggerUri: typeof p.swaggerUri === 'string' ? p.swaggerUri : undefined,
  };
  const request = {
    idempotent: true,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.deadline !== undefined ? { deadline: opts.deadline } : {}),
  };
  let token: string;
  let expiresOnMs: number | undefined;
  if (mode === 'Key') {
    const res = await ws.client.post<{ primaryKey?: string }>(
      `${endpointPath(ws, endpointName)}/listKeys`,
      request,
    );
    token = res.body?.primaryKey ?? '';
  } else if (mode === 'AMLToken') {
    const res = await ws.client.post<{ accessToken?: string; expiryTimeUtc?: number }>(
      `${endpointPath(ws, endpointName)}/token`,
      request,
    );
    token = res.body?.accessToken ?? '';
    // An int64 UTC stamp; seconds or milliseconds depending on the service (unverified): tell them apart.
    const expiry = res.body?.expiryTimeUtc;
    if (typeof expiry === 'number' && expiry > 0) expiresOnMs = expiry < 1e12 ? expiry * 1000 : expiry;
  } else {
    const access = await ws.credential.getToken(ML_SCOPE, opts.signal);
    token = access.token;
    expiresOnMs = access.expiresOnMs;
  }
  if (!token) throw new Error(`endpoint '${endpointName}' (${mode} auth) returned no credential`);
  return {
    authMode: mode,
    ...uris,
    expiresOnMs,
    headers: () => ({ authorization: `Bearer ${token}` }),
  };
}

function normalizeAuthMode(value: unknown): EndpointAuthMode {
  switch (String(value ?? 'Key').toLowerCase()) {
    case 'amltoken':
      return 'AMLToken';
    case 'aadtoken':
      return 'AADToken';
    default:
      return 'Key';
  }
}
