// Builds the AzureWorkspace a run talks to: the credential chosen from the inputs and environment,
// the ARM client on one dispatcher, every minted token masked at once.

import { ArmClient } from '../../azure/arm-client.ts';
import { execCommand } from '../../azure/credentials/azure-cli.ts';
import { chooseCredential } from '../../azure/credentials/choose.ts';
import { runScopes } from '../../azure/credentials/credential.ts';
import { createDispatcher } from '../../azure/http-dispatcher.ts';
import { type AzureWorkspace, workspacePath } from '../../azure/workspace.ts';
import type { WorkspaceRef } from '../../config/spec.ts';
import type { TargetDeps } from '../target.ts';

/** The Azure inputs (ACTIONS.md "Shared inputs"); the endpoint and authority defaults come from their definitions. */
export interface AzureConnectionInputs {
  'client-id': string | undefined;
  'tenant-id': string | undefined;
  'client-secret': string | undefined;
  'arm-endpoint': string;
  'authority-host': string;
  'api-version': string | undefined;
}

export async function connectWorkspace(
  inputs: AzureConnectionInputs,
  ref: WorkspaceRef,
  deps: TargetDeps,
  deadline: number,
): Promise<AzureWorkspace> {
  const { io } = deps;
  const dispatcher = createDispatcher(deps.env);
  const armEndpoint = inputs['arm-endpoint'];
  const credential = await chooseCredential(
    {
      ...(inputs['client-id'] ? { clientId: inputs['client-id'] } : {}),
      ...(inputs['tenant-id'] ? { tenantId: inputs['tenant-id'] } : {}),
      ...(inputs['client-secret'] ? { clientSecret: inputs['client-secret'] } : {}),
      armEndpoint,
      authorityHost: inputs['authority-host'],
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
    // A version the user gave is never replaced; the default falls back when a region lacks it.
    ...(inputs['api-version'] ? { apiVersion: inputs['api-version'], apiVersionExplicit: true } : {}),
    clock: deps.clock,
    log: io,
    deadline,
    registerSecret: (v: string) => io.setSecret(v),
  });
  return { client, credential, dispatcher, ref, path: workspacePath(ref) };
}
