// Reading batch endpoints and deployments (`{ws}/batchEndpoints/{e}[/deployments/{d}]`). Their GET bodies
// have the same envelope as online ones, so online-resources.ts turns them back into PUT bodies.

import type { AzureWorkspace } from '../../azure/workspace.ts';
import { type OnlineResource, type RequestScope, scope } from './online-resources.ts';

/** A batch endpoint or deployment as ARM returns it (the online envelope). */
export type BatchResource = OnlineResource;

export function batchEndpointPath(ws: AzureWorkspace, endpointName: string): string {
  return `${ws.path}/batchEndpoints/${encodeURIComponent(endpointName)}`;
}

export function batchDeploymentPath(
  ws: AzureWorkspace,
  endpointName: string,
  deploymentName: string,
): string {
  return `${batchEndpointPath(ws, endpointName)}/deployments/${encodeURIComponent(deploymentName)}`;
}

async function getOrUndefined(
  ws: AzureWorkspace,
  path: string,
  opts: RequestScope,
): Promise<BatchResource | undefined> {
  const res = await ws.client.get<BatchResource>(path, { ...scope(opts), allowStatus: [404] });
  return res.status === 404 ? undefined : res.body;
}

export function getBatchEndpoint(
  ws: AzureWorkspace,
  endpointName: string,
  opts: RequestScope = {},
): Promise<BatchResource | undefined> {
  return getOrUndefined(ws, batchEndpointPath(ws, endpointName), opts);
}

export function getBatchDeployment(
  ws: AzureWorkspace,
  endpointName: string,
  deploymentName: string,
  opts: RequestScope = {},
): Promise<BatchResource | undefined> {
  return getOrUndefined(ws, batchDeploymentPath(ws, endpointName, deploymentName), opts);
}

export function listBatchDeployments(
  ws: AzureWorkspace,
  endpointName: string,
  opts: RequestScope = {},
): Promise<BatchResource[]> {
  return ws.client.listAll<BatchResource>(`${batchEndpointPath(ws, endpointName)}/deployments`, scope(opts));
}

/** `properties.defaults.deploymentName`: the deployment a job runs on when none is named. */
export function defaultDeploymentOf(endpoint: BatchResource | undefined): string | undefined {
  const defaults = endpoint?.properties?.['defaults'] as { deploymentName?: unknown } | undefined;
  return typeof defaults?.deploymentName === 'string' && defaults.deploymentName
    ? defaults.deploymentName
    : undefined;
}

export function stringProperty(resource: BatchResource | undefined, key: string): string | undefined {
  const value = resource?.properties?.[key];
  return typeof value === 'string' ? value : undefined;
}
