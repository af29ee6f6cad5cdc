// The fake Entra ID: `POST /{tenant}/oauth2/v2.0/token` (client credentials with a secret or a federated
// assertion), fake GitHub ID tokens (HS256 JWTs it can verify), and the bearer check for ARM routes.
// Answers use Entra's error shape ({error, error_description: "AADSTSnnn: ...", error_codes}).

import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../../../src/clock.ts';
import { armError, type FakeRequest, type Reply } from './context.ts';

const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
const EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface IssuedToken {
  token: string;
  scope: string;
  clientId: string;
  /** Epoch ms. */
  expiresAt: number;
  via: 'secret' | 'assertion' | 'direct';
}

export interface TokenAuthorityOptions {
  clock: Clock;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  lifetimeSeconds: () => number;
  /** When set, only ID tokens with one of these subjects are accepted (else AADSTS70021). */
  federatedSubjects?: string[];
}

export class TokenAuthority {
  /** Every client assertion presented, in order. */
  readonly assertions: string[] = [];
  readonly issued: IssuedToken[] = [];
  readonly #options: TokenAuthorityOptions;
  readonly #signingKey = randomBytes(32);
  readonly #byToken = new Map<string, IssuedToken>();

  constructor(options: TokenAuthorityOptions) {
    this.#options = options;
  }

  /** A fake GitHub Actions ID token (what core.getIDToken returns), valid for `lifetimeSeconds` of fake time. */
  mintIdToken(opts: { audience?: string; lifetimeSeconds?: number; subject?: string } = {}): string {
    const now = Math.floor(this.#options.clock.now() / 1000);
    const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const payload = b64url(
      JSON.stringify({
        iss: GITHUB_ISSUER,
        aud: opts.audience ?? EXCHANGE_AUDIENCE,
        sub: opts.subject ?? 'repo:octo-org/octo-repo:ref:refs/heads/main',
        jti: randomUUID(),
        iat: now,
        nbf: now,
        exp: now + (opts.lifetimeSeconds ?? 300),
      }),
    );
    const signature = createHmac('sha256', this.#signingKey)
      .update(`${header}.${payload}`)
      .digest('base64url');
    return `${header}.${payload}.${signature}`;
  }

  /** Issues a token without HTTP (for tests that only need a working credential). */
  issue(scope: string, via: IssuedToken['via'] = 'direct'): IssuedToken {
    const issued: IssuedToken = {
      token: `fake-at.${randomBytes(24).toString('base64url')}`,
      scope,
      clientId: this.#options.clientId,
      expiresAt: this.#options.clock.now() + this.#options.lifetimeSeconds() * 1000,
      via,
    };
    this.issued.push(issued);
    this.#byToken.set(issued.token, issued);
    return issued;
  }

  handleTokenRequest(tenant: string, req: FakeRequest): Reply {
    const form = (req.body ?? {}) as Record<string, string>;
    if (tenant !== this.#options.tenantId) {
      return entraError(
        400,
        'invalid_request',
        90002,
        `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
      );
    }
    if (form.grant_type !== 'client_credentials') {
      return entraError(
        400,
        'unsupported_grant_type',
        70003,
        `The app requested an unsupported grant type '${form.grant_type ?? ''}'.`,
      );
    }
    if (form.client_id !== this.#options.clientId) {
      return entraError(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${form.client_id ?? ''}' was not found in the directory '${tenant}'.`,
      );
    }
    const scope = form.scope ?? '';
    if (!/^\S+\/\.default$/.test(scope)) {
      return entraError(
        400,
        'invalid_scope',
        1002012,
        `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
    }
    if (form.client_assertion !== undefined) {
      this.assertions.push(form.client_assertion);
      if (form.client_assertion_type !== JWT_BEARER) {
        return entraError(400, 'invalid_request', 50027, 'Invalid client_assertion_type.');
      }
      const problem = this.#checkAssertion(form.client_assertion);
      if (problem) return problem;
      return tokenReply(this.issue(scope, 'assertion'), this.#options.lifetimeSeconds());
    }
    if (form.client_secret !== undefined) {
      if (form.client_secret !== this.#options.clientSecret) {
        return entraError(
          401,
          'invalid_client',
          7000215,
          `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${this.#options.clientId}'.`,
        );
      }
      return tokenReply(this.issue(scope, 'secret'), this.#options.lifetimeSeconds());
    }
    return entraError(
      401,
      'invalid_client',
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    );
  }

  /** undefined when the bearer token is good for ARM at `armUrl`; else ARM's 401 answer. */
  checkBearer(authorization: string | undefined, armUrl: string): Reply | undefined {
    const token = /^Bearer (\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) {
      return armError(
        401,
        'AuthenticationFailed',
        "Authentication failed. The 'Authorization' header is missing.",
      );
    }
    const issued = this.#byToken.get(token);
    if (!issued) return armError(401, 'InvalidAuthenticationToken', 'The access token is invalid.');
    const now = this.#options.clock.now();
    if (issued.expiresAt <= now) {
      return armError(
        401,
        'ExpiredAuthenticationToken',
        `The access token expiry UTC time '${new Date(issued.expiresAt).toUTCString()}' is earlier than current UTC time '${new Date(now).toUTCString()}'.`,
      );
    }
    if (issued.scope !== `${armUrl}/.default`) {
      return armError(
        401,
        'InvalidAuthenticationTokenAudience',
        `The access token has been obtained for wrong audience or resource '${issued.scope.replace(/\/\.default$/, '')}'. It should exactly match with one of the allowed audiences '${armUrl}'.`,
      );
    }
    return undefined;
  }

  #checkAssertion(assertion: string): Reply | undefined {
    const [header, payload, signature] = assertion.split('.');
    const expected =
      header && payload
        ? createHmac('sha256', this.#signingKey).update(`${header}.${payload}`).digest('base64url')
        : '';
    if (!payload || signature !== expected) {
      return entraError(400, 'invalid_client', 50027, 'JWT token is invalid or malformed.');
    }
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const now = Math.floor(this.#options.clock.now() / 1000);
    const exp = Number(claims.exp);
    const nbf = Number(claims.nbf);
    if (!(now < exp && now >= nbf - 300)) {
      return entraError(
        400,
        'invalid_client',
        700024,
        `Client assertion is not within its valid time range. Current time: ${new Date(now * 1000).toISOString()}, assertion valid from ${new Date(nbf * 1000).toISOString()}, expiry time of assertion ${new Date(exp * 1000).toISOString()}. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .`,
      );
    }
    if (claims.aud !== EXCHANGE_AUDIENCE || claims.iss !== GITHUB_ISSUER) {
      return entraError(
        400,
        'invalid_client',
        700212,
        `No matching federated identity record found for presented assertion audience '${String(claims.aud)}'.`,
      );
    }
    const subjects = this.#options.federatedSubjects;
    if (subjects && !subjects.includes(String(claims.sub))) {
      return entraError(
        400,
        'invalid_client',
        70021,
        `No matching federated identity record found for presented assertion. Assertion Issuer: '${GITHUB_ISSUER}'. Assertion Subject: '${String(claims.sub)}'. Assertion Audience: '${EXCHANGE_AUDIENCE}'.`,
      );
    }
    return undefined;
  }
}

function tokenReply(issued: IssuedToken, lifetimeSeconds: number): Reply {
  return {
    status: 200,
    body: {
      token_type: 'Bearer',
      expires_in: lifetimeSeconds,
      ext_expires_in: lifetimeSeconds,
      access_token: issued.token,
    },
  };
}

function entraError(status: number, error: string, code: number, text: string): Reply {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  return {
    status,
    body: {
      error,
      error_description:
        `AADSTS${code}: ${text} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${new Date().toISOString()}`.replace(
          / Trace ID:/,
          '\r\nTrace ID:',
        ),
      error_codes: [code],
      timestamp: new Date().toISOString(),
      trace_id: traceId,
      correlation_id: correlationId,
    },
  };
}

function b64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
