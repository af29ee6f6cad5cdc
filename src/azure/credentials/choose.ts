// Picks the credential a run signs in with, in a fixed order, and explains what would enable each source when
// none applies:
//   1. client-id + tenant-id + client-secret          service principal secret
//   2. client-id + tenant-id                          GitHub OIDC done by this action (fresh ID token per exchange)
//   3. AZURE_CLIENT_ID + AZURE_TENANT_ID + AZURE_FEDERATED_TOKEN_FILE
//   4. the az CLI session left by azure/login          (tokens for every scope fetched at once)

import type { Dispatcher } from 'undici';
import { type Clock, systemClock } from '../../clock.ts';
import { UsageError } from '../../errors.ts';
import type { Log } from '../../log.ts';
import { AzureCliUnavailableError, azureCliCredential } from './azure-cli.ts';
import { clientSecretCredential } from './client-secret.ts';
import {
  type Credential,
  DEFAULT_ARM_ENDPOINT,
  DEFAULT_AUTHORITY_HOST,
  type ExecFn,
  type RegisterSecret,
  runScopes,
} from './credential.ts';
import { federatedTokenFileCredential } from './federated-token-file.ts';
import { githubOidcCredential } from './github-oidc.ts';

export interface CredentialInputs {
  clientId?: string | undefined;
  tenantId?: string | undefined;
  clientSecret?: string | undefined;
  armEndpoint?: string | undefined;
  authorityHost?: string | undefined;
}

export interface CredentialDeps {
  dispatcher: Dispatcher;
  clock?: Clock;
  /** core.getIDToken on the runner; absent outside GitHub. */
  getIdToken?: ((audience: string) => Promise<string>) | undefined;
  /** Runs `az`; absent when the caller allows no commands. */
  exec?: ExecFn | undefined;
  readFile?: (path: string) => Promise<string>;
  registerSecret?: RegisterSecret | undefined;
  log?: Log | undefined;
  /** Scopes the az session is asked for up front; default ARM (per arm-endpoint), storage, Azure ML. */
  prefetchScopes?: readonly string[];
  signal?: AbortSignal;
}

export type Env = Readonly<Record<string, string | undefined>>;

export async function chooseCredential(
  inputs: CredentialInputs,
  env: Env,
  deps: CredentialDeps,
): Promise<Credential> {
  const clock = deps.clock ?? systemClock;
  const authorityHost =
    nonEmpty(inputs.authorityHost) ?? nonEmpty(env.AZURE_AUTHORITY_HOST) ?? DEFAULT_AUTHORITY_HOST;
  const clientId = nonEmpty(inputs.clientId);
  const tenantId = nonEmpty(inputs.tenantId);
  const clientSecret = nonEmpty(inputs.clientSecret);
  const common = {
    authorityHost,
    dispatcher: deps.dispatcher,
    clock,
    registerSecret: deps.registerSecret,
    log: deps.log,
  };

  if (clientSecret) deps.registerSecret?.(clientSecret);
  if (clientId || tenantId || clientSecret) {
    if (!clientId)
      throw new UsageError(
        `${tenantId ? 'tenant-id' : 'client-secret'} is given, so client-id is needed too`,
        'client-id',
      );
    if (!tenantId)
      throw new UsageError(
        `${clientSecret ? 'client-secret' : 'client-id'} is given, so tenant-id is needed too`,
        'tenant-id',
      );
    if (clientSecret) {
      return clientSecretCredential({ ...common, clientId, tenantId, clientSecret });
    }
    if (!deps.getIdToken || !env.ACTIONS_ID_TOKEN_REQUEST_URL) {
      throw new UsageError(
        'client-id and tenant-id without client-secret sign in with GitHub OIDC, but this job cannot request a GitHub ID token: add `permissions: id-token: write` to the job (or pass client-secret)',
        'client-id',
      );
    }
    return githubOidcCredential({ ...common, clientId, tenantId, getIdToken: deps.getIdToken });
  }

  const envClientId = nonEmpty(env.AZURE_CLIENT_ID);
  const envTenantId = nonEmpty(env.AZURE_TENANT_ID);
  const tokenFile = nonEmpty(env.AZURE_FEDERATED_TOKEN_FILE);
  if (envClientId && envTenantId && tokenFile) {
    return federatedTokenFileCredential({
      ...common,
      clientId: envClientId,
      tenantId: envTenantId,
      tokenFile,
      ...(deps.readFile ? { readFile: deps.readFile } : {}),
    });
  }

  let azProblem = 'no command runner was given';
  if (deps.exec) {
    const cli = azureCliCredential({
      exec: deps.exec,
      clock,
      registerSecret: deps.registerSecret,
      log: deps.log,
    });
    try {
      await cli.prefetch(
        deps.prefetchScopes ?? runScopes(inputs.armEndpoint ?? DEFAULT_ARM_ENDPOINT),
        deps.signal,
      );
      return cli;
    } catch (error) {
      if (!(error instanceof AzureCliUnavailableError)) throw error;
      azProblem = error.message;
    }
  }

  const missingEnv = [
    ['AZURE_CLIENT_ID', envClientId],
    ['AZURE_TENANT_ID', envTenantId],
    ['AZURE_FEDERATED_TOKEN_FILE', tokenFile],
  ]
    .filter(([, value]) => !value)
    .map(([name]) => name);
  throw new UsageError(
    [
      'No Azure credential found. Any one of these works:',
      '  - GitHub OIDC (recommended): inputs client-id + tenant-id, and `permissions: id-token: write` on the job',
      '  - service principal secret: inputs client-id + tenant-id + client-secret',
      `  - workload identity file: env AZURE_CLIENT_ID + AZURE_TENANT_ID + AZURE_FEDERATED_TOKEN_FILE (missing: ${missingEnv.join(', ')})`,
      `  - Azure CLI session: an azure/login step before this one (here: ${azProblem})`,
    ].join('\n'),
  );
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
