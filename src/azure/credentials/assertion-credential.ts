// A credential that trades a federated assertion (a GitHub ID token, a projected token file) for Entra tokens.
// Only where the assertion comes from differs; it is fetched anew for every exchange because assertions are
// short-lived (GitHub's: 5-10 minutes) or rotated by their owner.

import type { Dispatcher } from 'undici';
import type { Clock } from '../../clock.ts';
import type { Log } from '../../log.ts';
import type { Credential, CredentialKind, RegisterSecret } from './credential.ts';
import { requestEntraToken } from './entra-token.ts';
import { cachedCredential } from './token-cache.ts';

export interface AssertionCredentialOptions {
  kind: CredentialKind;
  /** Names the identity and source in descriptions and errors (no secrets). */
  source: string;
  clientId: string;
  tenantId: string;
  authorityHost: string;
  dispatcher: Dispatcher;
  clock: Clock;
  /** A fresh assertion; throws AzureAuthError saying what is missing. */
  getAssertion: () => Promise<string>;
  registerSecret?: RegisterSecret | undefined;
  log?: Log | undefined;
}

export function assertionCredential(options: AssertionCredentialOptions): Credential {
  return cachedCredential({
    kind: options.kind,
    description: options.source,
    clock: options.clock,
    registerSecret: options.registerSecret,
    log: options.log,
    mint: async (scope, signal) => {
      const assertion = await options.getAssertion();
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
        source: options.source,
      });
    },
  });
}
