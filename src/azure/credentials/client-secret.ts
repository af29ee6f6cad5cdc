// Service principal with a client secret (`client-id` + `tenant-id` + `client-secret`).

import type { Dispatcher } from 'undici';
import type { Clock } from '../../clock.ts';
import type { Log } from '../../log.ts';
import type { Credential, RegisterSecret } from './credential.ts';
import { requestEntraToken } from './entra-token.ts';
import { cachedCredential } from './token-cache.ts';

export interface ClientSecretOptions {
  clientId: string;
  tenantId: string;
  clientSecret: string;
  authorityHost: string;
  dispatcher: Dispatcher;
  clock: Clock;
  registerSecret?: RegisterSecret | undefined;
  log?: Log | undefined;
}

export function clientSecretCredential(options: ClientSecretOptions): Credential {
  options.registerSecret?.(options.clientSecret);
  const source = `service principal secret (client-id ${options.clientId}, tenant-id ${options.tenantId})`;
  return cachedCredential({
    kind: 'client-secret',
    description: source,
    clock: options.clock,
    registerSecret: options.registerSecret,
    log: options.log,
    mint: (scope, signal) =>
      requestEntraToken({
        authorityHost: options.authorityHost,
        tenantId: options.tenantId,
        clientId: options.clientId,
        scope,
        secret: options.clientSecret,
        dispatcher: options.dispatcher,
        clock: options.clock,
        signal,
        source,
      }),
  });
}
