// Reads an ARM resource path (`/subscriptions/.../workspaces/ws/onlineEndpoints/e/deployments/d`) into words
// for messages: which resource, in which workspace.

export interface ArmResourceDescription {
  kind: string;
  /** e.g. `online deployment 'blue' of endpoint 'my-ep'` */
  description: string;
  subscription: string | undefined;
  resourceGroup: string | undefined;
  workspace: string | undefined;
}

const CHILD_KINDS: Record<string, string> = {
  onlineendpoints: 'online endpoint',
  batchendpoints: 'batch endpoint',
  models: 'model',
  codes: 'code asset',
  environments: 'environment',
  datastores: 'datastore',
  computes: 'compute',
  jobs: 'job',
};

export function describeArmResource(pathWithQuery: string): ArmResourceDescription | undefined {
  const path = pathWithQuery.split('?')[0] ?? '';
  const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
  const lower = segments.map((s) => s.toLowerCase());
  const after = (key: string) => {
    const i = lower.indexOf(key);
    return i === -1 ? undefined : segments[i + 1];
  };
  const subscription = after('subscriptions');
  const resourceGroup = after('resourcegroups');
  const wsIndex = lower.indexOf('workspaces');
  const workspace = wsIndex === -1 ? undefined : segments[wsIndex + 1];
  if (!subscription) return undefined;
  const base = { subscription, resourceGroup, workspace };
  if (wsIndex === -1) {
    if (resourceGroup && lower.length <= 4) {
      return { ...base, kind: 'resource group', description: `resource group '${resourceGroup}'` };
    }
    return undefined;
  }
  const rest = segments.slice(wsIndex + 2);
  if (rest.length === 0) return { ...base, kind: 'workspace', description: `workspace '${workspace}'` };
  const [type = '', name, sub, subName, third, thirdName] = rest;
  const kind = CHILD_KINDS[type.toLowerCase()] ?? type;
  if (!name) return { ...base, kind: `${kind} list`, description: `the ${kind} list` };
  const subLower = sub?.toLowerCase();
  if (subLower === 'versions' && subName) {
    return { ...base, kind: `${kind} version`, description: `${kind} '${name}' version '${subName}'` };
  }
  if (subLower === 'deployments' && subName) {
    const endpointKind = kind.replace(' endpoint', '');
    const description = `${endpointKind} deployment '${subName}' of endpoint '${name}'`;
    return {
      ...base,
      kind: `${endpointKind} deployment`,
      description: third && !thirdName ? `${description} (${third})` : description,
    };
  }
  return { ...base, kind, description: `${kind} '${name}'` };
}
