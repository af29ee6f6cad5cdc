// Reading online endpoints and deployments, and turning what a GET returned back into a PUT body: read-only
// fields (id, systemData, provisioningState, scoringUri, keys, identity principal ids) and the entries the
// service writes into properties.properties (AzureAsyncOperationUri, azureml.*) are removed.

import type { TrafficMap } from '../../azure/bodies/types.ts';
import { terminalOf } from '../../azure/lro.ts';
import type { AzureWorkspace } from '../../azure/workspace.ts';

export interface OnlineResource {
  id?: string;
  name?: string;
  location?: string;
  tags?: Record<string, string>;
  identity?: { type?: string; userAssignedIdentities?: Record<string, unknown>; [k: string]: unknown };
  sku?: { name?: string; capacity?: number; [k: string]: unknown };
  kind?: string;
  properties: Record<string, unknown> & {
    provisioningState?: string;
    properties?: Record<string, string>;
  };
  [k: string]: unknown;
}

export interface RequestScope {
  signal?: AbortSignal;
  deadline?: number;
}

export function scope(opts: RequestScope) {
  return {
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.deadline !== undefined ? { deadline: opts.deadline } : {}),
  };
}

export function endpointPath(ws: AzureWorkspace, endpointName: string): string {
  return `${ws.path}/onlineEndpoints/${encodeURIComponent(endpointName)}`;
}

export function deploymentPath(ws: AzureWorkspace, endpointName: string, deploymentName: string): string {
  return `${endpointPath(ws, endpointName)}/deployments/${encodeURIComponent(deploymentName)}`;
}

export async function getEndpoint(
  ws: AzureWorkspace,
  endpointName: string,
  opts: RequestScope = {},
): Promise<OnlineResource | undefined> {
  const res = await ws.client.get<OnlineResource>(endpointPath(ws, endpointName), {
    ...scope(opts),
    allowStatus: [404],
  });
  return res.status === 404 ? undefined : res.body;
}

export async function getDeployment(
  ws: AzureWorkspace,
  endpointName: string,
  deploymentName: string,
  opts: RequestScope = {},
): Promise<OnlineResource | undefined> {
  const res = await ws.client.get<OnlineResource>(deploymentPath(ws, endpointName, deploymentName), {
    ...scope(opts),
    allowStatus: [404],
  });
  return res.status === 404 ? undefined : res.body;
}

export async function listDeployments(
  ws: AzureWorkspace,
  endpointName: string,
  opts: RequestScope = {},
): Promise<OnlineResource[]> {
  return ws.client.listAll<OnlineResource>(`${endpointPath(ws, endpointName)}/deployments`, scope(opts));
}

/** The workspace's location: endpoints and deployments must be created there. */
export async function workspaceLocation(ws: AzureWorkspace, opts: RequestScope = {}): Promise<string> {
  const res = await ws.client.get<{ location?: string }>(ws.path, scope(opts));
  const location = res.body?.location;
  if (!location) throw new Error(`GET ${ws.path} returned no location`);
  return location;
}

/** The traffic and mirror maps exactly as Azure returned them. */
export function trafficOf(endpoint: OnlineResource | undefined): {
  traffic: TrafficMap;
  mirrorTraffic: TrafficMap;
} {
  const p = endpoint?.properties ?? {};
  return {
    traffic: { ...((p.traffic as TrafficMap | undefined) ?? {}) },
    mirrorTraffic: { ...((p.mirrorTraffic as TrafficMap | undefined) ?? {}) },
  };
}

export function provisioningStateOf(resource: OnlineResource | undefined): string | undefined {
  const state = resource?.properties?.provisioningState;
  return typeof state === 'string' ? state : undefined;
}

export function isTerminal(state: string | undefined): boolean {
  return terminalOf(state) !== undefined;
}

const READ_ONLY_TOP = ['id', 'name', 'type', 'systemData'];
const READ_ONLY_ENDPOINT_PROPS = ['provisioningState', 'scoringUri', 'swaggerUri', 'keys'];
const READ_ONLY_DEPLOYMENT_PROPS = ['provisioningState'];

/** Entries the service adds to properties.properties: never compared, never sent back. */
export function isServiceProperty(key: string): boolean {
  return key === 'AzureAsyncOperationUri' || key.toLowerCase().startsWith('azureml.');
}

/** What a GET returned, without read-only and service-added fields: a body that can be PUT back. */
export function writableBody(resource: OnlineResource, kind: 'endpoint' | 'deployment'): OnlineResource {
  const body = structuredClone(resource) as OnlineResource;
  for (const key of READ_ONLY_TOP) delete body[key];
  const props = body.properties ?? {};
  for (const key of kind === 'endpoint' ? READ_ONLY_ENDPOINT_PROPS : READ_ONLY_DEPLOYMENT_PROPS)
    delete props[key];
  if (props.properties) {
    props.properties = Object.fromEntries(
      Object.entries(props.properties).filter(([k]) => !isServiceProperty(k)),
    );
  }
  if (body.identity) {
    const { type, userAssignedIdentities } = body.identity;
    body.identity = {
      ...(type !== undefined ? { type } : {}),
      ...(userAssignedIdentities
        ? {
            userAssignedIdentities: Object.fromEntries(
              Object.keys(userAssignedIdentities).map((k) => [k, {}]),
            ),
          }
        : {}),
    };
  }
  body.properties = props;
  return body;
}
