// ARM ids of the workspace assets and computes that request bodies refer to.

export type AssetCollection = 'models' | 'codes' | 'environments';

/** `{workspacePath}/{models|codes|environments}/{name}/versions/{version}` */
export function assetVersionId(
  workspacePath: string,
  collection: AssetCollection,
  name: string,
  version: string,
): string {
  return `${workspacePath}/${collection}/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`;
}

/** A Kubernetes endpoint's `properties.compute`: the ARM id of an attached compute (a name or an id). */
export function computeId(workspacePath: string, compute: string): string {
  const value = compute.startsWith('azureml:') ? compute.slice('azureml:'.length) : compute;
  return value.startsWith('/') ? value : `${workspacePath}/computes/${encodeURIComponent(value)}`;
}
