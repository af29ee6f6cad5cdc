// One Azure ML workspace as the library talks to it: the ARM client bound to a credential, and the
// workspace's ARM path. Built once per action run (src/actions/shared/azure-context.ts) and passed down.

import type { Dispatcher } from 'undici';
import type { WorkspaceRef } from '../config/spec.ts';
import type { ArmClient } from './arm-client.ts';
import type { Credential } from './credentials/credential.ts';

export interface AzureWorkspace {
  client: ArmClient;
  credential: Credential;
  /** The same dispatcher the ARM client uses (blob uploads, scoring calls). */
  dispatcher: Dispatcher;
  ref: WorkspaceRef;
  /** `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}` */
  path: string;
}

export function workspacePath(ref: WorkspaceRef): string {
  return (
    `/subscriptions/${encodeURIComponent(ref.subscriptionId)}/resourceGroups/${encodeURIComponent(ref.resourceGroup)}` +
    `/providers/Microsoft.MachineLearningServices/workspaces/${encodeURIComponent(ref.workspaceName)}`
  );
}
