// Links into Azure Machine Learning studio, as `az ml` prints them: an online (realtime) or batch endpoint's
// page and the workspace's home, each addressed by the workspace's ARM id (`wsid`) and, when known, the tenant
// (`tid`, so a guest account lands in the right directory). Sovereign clouds have their own studio host.

export interface StudioWorkspace {
  subscriptionId: string;
  resourceGroup: string;
  workspaceName: string;
  /** Entra tenant id; adds `&tid=` as az ml does. */
  tenantId?: string;
  /** The ARM endpoint the workspace lives behind: picks the studio of its cloud (default public Azure). */
  armEndpoint?: string;
}

export type StudioEndpointKind = 'online' | 'batch';

const PUBLIC_STUDIO = 'https://ml.azure.com';

/** The studio host of the cloud whose ARM endpoint this is; public Azure's for anything else. */
export function studioHostFor(armEndpoint: string | undefined): string {
  const host = hostOf(armEndpoint);
  if (host.endsWith('.usgovcloudapi.net')) return 'https://ml.azure.us';
  if (host.endsWith('.chinacloudapi.cn')) return 'https://studio.ml.azure.cn';
  return PUBLIC_STUDIO;
}

/** `/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.MachineLearningServices/workspaces/<ws>` */
export function workspaceArmId(
  ws: Pick<StudioWorkspace, 'subscriptionId' | 'resourceGroup' | 'workspaceName'>,
) {
  return `/subscriptions/${ws.subscriptionId}/resourceGroups/${ws.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${ws.workspaceName}`;
}

/** The workspace's studio home: `https://ml.azure.com/?wsid=<workspace ARM id>`. */
export function studioWorkspaceUrl(ws: StudioWorkspace): string {
  return `${studioHostFor(ws.armEndpoint)}/?${query(ws)}`;
}

/**
 * An endpoint's page: `https://ml.azure.com/endpoints/realtime/<name>/detail?wsid=…` for online endpoints,
 * `…/endpoints/batch/<name>/detail?wsid=…` for batch endpoints.
 */
export function studioEndpointUrl(
  ws: StudioWorkspace,
  endpointName: string,
  kind: StudioEndpointKind = 'online',
) {
  const segment = kind === 'batch' ? 'batch' : 'realtime';
  return `${studioHostFor(ws.armEndpoint)}/endpoints/${segment}/${encodeURIComponent(endpointName)}/detail?${query(ws)}`;
}

function query(ws: StudioWorkspace): string {
  // The ARM id keeps its slashes (as az ml prints it); anything else unusual is percent-encoded.
  const wsid = encodeURIComponent(workspaceArmId(ws)).replace(/%2F/gi, '/');
  return ws.tenantId ? `wsid=${wsid}&tid=${encodeURIComponent(ws.tenantId)}` : `wsid=${wsid}`;
}

function hostOf(url: string | undefined): string {
  if (!url) return '';
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return '';
  }
}
