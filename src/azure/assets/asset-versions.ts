// Reading workspace asset versions (models, codes, environments): one version, the latest one (the SDK's
// `$orderBy=createdtime desc&$top=1`: latest = most recently created), and the container's next version.

import type { AssetCollection } from '../bodies/arm-ids.ts';
import type { AzureWorkspace } from '../workspace.ts';

export interface AssetVersionResource {
  /** ARM id of the version. */
  id: string;
  /** The version string. */
  name: string;
  properties: Record<string, unknown>;
}

export interface AssetCallOptions {
  signal?: AbortSignal;
  deadline?: number;
}

function requestOptions(opts: AssetCallOptions) {
  return {
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.deadline !== undefined ? { deadline: opts.deadline } : {}),
  };
}

export function assetPath(
  ws: AzureWorkspace,
  collection: AssetCollection,
  name: string,
  version?: string,
): string {
  const base = `${ws.path}/${collection}/${encodeURIComponent(name)}`;
  return version === undefined ? base : `${base}/versions/${encodeURIComponent(version)}`;
}

/** The version, or undefined when it (or its container) does not exist. */
export async function getAssetVersion(
  ws: AzureWorkspace,
  collection: AssetCollection,
  name: string,
  version: string,
  opts: AssetCallOptions = {},
): Promise<AssetVersionResource | undefined> {
  const res = await ws.client.get<AssetVersionResource>(assetPath(ws, collection, name, version), {
    ...requestOptions(opts),
    allowStatus: [404],
  });
  return res.status === 404 ? undefined : normalize(res.body, version);
}

/** The most recently created version, or undefined when there is none. */
export async function latestAssetVersion(
  ws: AzureWorkspace,
  collection: AssetCollection,
  name: string,
  opts: AssetCallOptions = {},
): Promise<AssetVersionResource | undefined> {
  const res = await ws.client.get<{ value?: AssetVersionResource[] }>(
    `${assetPath(ws, collection, name)}/versions`,
    {
      ...requestOptions(opts),
      query: { $orderBy: 'createdtime desc', $top: 1 },
      allowStatus: [404],
    },
  );
  const first = res.status === 404 ? undefined : res.body?.value?.[0];
  return first ? normalize(first, first.name) : undefined;
}

/** The container's `nextVersion` (auto-increment), or '1' when the container does not exist yet. */
export async function nextAssetVersion(
  ws: AzureWorkspace,
  collection: AssetCollection,
  name: string,
  opts: AssetCallOptions = {},
): Promise<string> {
  const res = await ws.client.get<{ properties?: { nextVersion?: string | null } }>(
    assetPath(ws, collection, name),
    {
      ...requestOptions(opts),
      allowStatus: [404],
    },
  );
  if (res.status === 404) return '1';
  return res.body?.properties?.nextVersion ?? '1';
}

function normalize(body: AssetVersionResource, version: string): AssetVersionResource {
  return {
    id: body?.id ?? '',
    name: body?.name ?? version,
    properties: (body?.properties ?? {}) as Record<string, unknown>,
  };
}
