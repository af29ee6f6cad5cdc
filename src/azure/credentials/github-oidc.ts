// OIDC workload identity federation done by the action itself: every exchange uses a FRESH GitHub ID token,
// so a wait longer than the ID token's life (5-10 minutes) still gets new Entra tokens.

import type { Dispatcher } from 'undici';
import type { Clock } from '../../clock.ts';
import type { Log } from '../../log.ts';
import { AzureAuthError } from '../errors.ts';
import { type Credential, GITHUB_OIDC_AUDIENCE, type RegisterSecret } from './credential.ts';
import { requestEntraToken } from './entra-token.ts';
import { cachedCredential } from './token-cache.ts';

export interface GithubOidcOptions {
  clientId: string;
  tenantId: string;
  authorityHost: string;
  /** The runner passes core.getIDToken; library code never imports @actions/core. */
  getIdToken: (audience: string) => Promise<string>;
  audience?: string;
  dispatcher: Dispatcher;
  clock: Clock;
  registerSecret?: RegisterSecret | undefined;
  log?: Log | undefined;
}

export function githubOidcCredential(options: GithubOidcOptions): Credential {
  const source = `GitHub OIDC (client-id ${options.clientId}, tenant-id ${options.tenantId})`;
  const audience = options.audience ?? GITHUB_OIDC_AUDIENCE;
  return cachedCredential({
    kind: 'github-oidc',
    description: source,
    clock: options.clock,
    registerSecret: options.registerSecret,
    log: options.log,
    mint: async (scope, signal) => {
      let assertion: string;
      try {
        assertion = await options.getIdToken(audience);
      } catch (error) {
        throw new AzureAuthError(
          source,
          `${source}: could not get a GitHub ID token (${(error as Error).message}). The job needs \`permissions: id-token: write\`.`,
        );
      }
      options.registerSecret?.(assertion);
      return requestEntraToken({
        authorityHost: options.authorityHost,
        tenantId: options.tenantId,
        clientId: options.clientId,
        scope,
        assertion,
        dispatcher: options.dispatcher,
        clock: options.clock,
        signal,
        source,
      });
    },
  });
}
