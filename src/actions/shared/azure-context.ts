// Builds the AzureWorkspace an action run talks to: the credential chosen from the inputs and environment,
// the ARM client on one dispatcher, every minted token masked at once.

import { ArmClient } from '../../azure/arm-client.ts';
import { execCommand } from '../../azure/credentials/azure-cli.ts';
import { chooseCredential } from '../../azure/credentials/choose.ts';
import { runScopes } from '../../azure/credentials/credential.ts';
import { createDispatcher } from '../../azure/http-dispatcher.ts';
import { type AzureWorkspace, workspacePath } from '../../azure/workspace.ts';
import type { WorkspaceRef } from '../../config/spec.ts';
import type { ActionIO } from '../../io/action-io.ts';
import type { ActionDeps } from './action-definition.ts';

export interface AzureInputValues {
  'client-id': string | undefined;
  'tenant-id': string | undefined;
  'client-secret': string | undefined;
  'arm-endpoint': string | undefined;
  'authority-host': string | undefined;
  'api-version': string | undefined;
}

export async function connectWorkspace(
  inputs: AzureInputValues,
  ref: WorkspaceRef,
  io: ActionIO,
  deps: ActionDeps,
  deadline: number,
): Promise<AzureWorkspace> {
  const dispatcher = createDispatcher(deps.env);
  const armEndpoint = inputs['arm-endpoint'] ?? 'https://management.azure.com';
  const credential = await chooseCredential(
    {
      ...(inputs['client-id'] ? { clientId: inputs['client-id'] } : {}),
      ...(inputs['tenant-id'] ? { tenantId: inputs['tenant-id'] } : {}),
      ...(inputs['client-secret'] ? { clientSecret: inputs['client-secret'] } : {}),
      armEndpoint,
      ...(inputs['authority-host'] ? { authorityHost: inputs['authority-host'] } : {}),
    },
    deps.env,
    {
      dispatcher,
      clock: deps.clock,
      getIdToken: (audience: string) => io.getIdToken(audience),
      exec: execCommand,
      registerSecret: (v: string) => io.setSecret(v),
      log: io,
      prefetchScopes: runScopes(armEndpoint),
      ...(deps.signal ? { signal: deps.signal } : {}),
    },
  );
  io.info(`authenticated with ${credential.description}`);
  const client = new ArmClient({
    baseUrl: armEndpoint,
    credential,
    dispatcher,
    ...(inputs['api-version'] ? { apiVersion: inputs['api-version'] } : {}),
    clock: deps.clock,
    log: io,
    deadline,
    registerSecret: (v: string) => io.setSecret(v),
  });
  return { client, credential, dispatcher, ref, path: workspacePath(ref) };
}
