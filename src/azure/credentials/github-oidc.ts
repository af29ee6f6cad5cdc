// OIDC workload identity federation done by the action itself: every exchange uses a FRESH GitHub ID token,
// so a wait longer than the ID token's life (5-10 minutes) still gets new Entra tokens.

import type { Dispatcher } from 'undici';
import type { Clock } from '../../clock.ts';
import type { Log } from '../../log.ts';
import { AzureAuthError } from '../errors.ts';
import { assertionCredential } from './assertion-credential.ts';
import { type Credential, GITHUB_OIDC_AUDIENCE, type RegisterSecret } from './credential.ts';

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
  return assertionCredential({
    ...options,
    kind: 'github-oidc',
    source,
    getAssertion: async () => {
      try {
        return await options.getIdToken(audience);
      } catch (error) {
        throw new AzureAuthError(
          source,
          `${source}: could not get a GitHub ID token (${(error as Error).message}). The job needs \`permissions: id-token: write\`.`,
        );
      }
    },
  });
}
