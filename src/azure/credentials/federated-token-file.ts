// Workload identity from the environment (AZURE_CLIENT_ID + AZURE_TENANT_ID + AZURE_FEDERATED_TOKEN_FILE), as
// Kubernetes workload identity and some self-hosted runners provide. The file is re-read for every exchange
// because its owner rotates it.

import { readFile as fsReadFile } from 'node:fs/promises';
import type { Dispatcher } from 'undici';
import type { Clock } from '../../clock.ts';
import type { Log } from '../../log.ts';
import { AzureAuthError } from '../errors.ts';
import { assertionCredential } from './assertion-credential.ts';
import type { Credential, RegisterSecret } from './credential.ts';

export interface FederatedTokenFileOptions {
  clientId: string;
  tenantId: string;
  tokenFile: string;
  authorityHost: string;
  dispatcher: Dispatcher;
  clock: Clock;
  readFile?: (path: string) => Promise<string>;
  registerSecret?: RegisterSecret | undefined;
  log?: Log | undefined;
}

export function federatedTokenFileCredential(options: FederatedTokenFileOptions): Credential {
  const source = `AZURE_FEDERATED_TOKEN_FILE (AZURE_CLIENT_ID ${options.clientId}, AZURE_TENANT_ID ${options.tenantId})`;
  const read = options.readFile ?? ((path: string) => fsReadFile(path, 'utf8'));
  return assertionCredential({
    ...options,
    kind: 'federated-token-file',
    source,
    getAssertion: async () => {
      let assertion: string;
      try {
        assertion = (await read(options.tokenFile)).trim();
      } catch (error) {
        throw new AzureAuthError(
          source,
          `${source}: cannot read ${options.tokenFile}: ${(error as Error).message}`,
        );
      }
      if (!assertion) throw new AzureAuthError(source, `${source}: ${options.tokenFile} is empty`);
      return assertion;
    },
  });
}
