// The data input of a batch job, as azure-ai-ml's invoke resolves it: an `azureml://` or `https://` URI is
// sent as given; a local file or folder is hashed and uploaded, content-addressed, to the workspace's default
// datastore (`LocalUpload/<hash>/<name>`, nothing sent when it is already there) and sent as
// `azureml://datastores/<datastore>/paths/LocalUpload/<hash>/<name>[/]` (a folder ends with `/`).

import path from 'node:path';
import { BlobClient } from '../../azure/blob/blob-client.ts';
import type { UploadDatastore } from '../../azure/blob/datastore.ts';
import { uploadContent } from '../../azure/blob/upload-content.ts';
import type { BatchInputType } from '../../azure/bodies/batch-job.ts';
import type { AzureWorkspace } from '../../azure/workspace.ts';
import { pathKind } from '../../config/local-paths.ts';
import { type ContentHash, hashContent } from '../../content/content-hash.ts';
import { UsageError } from '../../errors.ts';
import type { Log } from '../../log.ts';
import { UPLOAD_ROOT } from '../../registry/azureml-registry.ts';

export interface BatchInput {
  type: BatchInputType;
  uri: string;
  /** What was uploaded (local inputs). */
  uploaded?: { files: number; bytes: number; alreadyStored: boolean };
}

export function isRemoteInput(input: string): boolean {
  return /^(azureml|https?):\/\//i.test(input);
}

/** A URI names a folder when it ends with `/` or its last segment has no extension (az ml's default is a folder). */
export function remoteInputType(uri: string): BatchInputType {
  const last =
    uri
      .replace(/[?#].*$/, '')
      .split('/')
      .pop() ?? '';
  return uri.endsWith('/') || !last.includes('.') ? 'UriFolder' : 'UriFile';
}

export async function resolveBatchInput(
  ws: AzureWorkspace,
  input: string,
  opts: {
    log: Log;
    datastore: () => Promise<UploadDatastore>;
    followSymlinks?: boolean;
    deadline?: number;
    signal?: AbortSignal;
  },
): Promise<BatchInput> {
  if (isRemoteInput(input)) return { type: remoteInputType(input), uri: input };
  const kind = pathKind(input);
  if (!kind)
    throw new UsageError(
      `${input} does not exist (a local file or folder, or an azureml:// or https:// URI)`,
      'batch-input',
    );
  let content: ContentHash;
  try {
    content = await hashContent(input, input, { followSymlinks: opts.followSymlinks ?? false });
  } catch (error) {
    throw new UsageError(`${input}: ${(error as Error).message}`, 'batch-input');
  }
  const datastore = await opts.datastore();
  const prefix = `${UPLOAD_ROOT}/${content.hash.replace(/^sha256:/, '')}/${path.basename(input)}`;
  const client = new BlobClient({
    serviceUrl: datastore.serviceUrl,
    accountName: datastore.accountName,
    container: datastore.containerName,
    auth: datastore.auth,
    dispatcher: ws.dispatcher,
    clock: ws.client.clock,
    log: opts.log,
    ...(opts.deadline !== undefined ? { deadline: opts.deadline } : {}),
  });
  const result = await uploadContent({
    client,
    content,
    prefix,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  opts.log.info(
    result.alreadyComplete
      ? `batch input ${input} (${content.files.length} file(s)) is already in datastore '${datastore.name}': nothing uploaded`
      : `batch input ${input}: uploaded ${result.filesUploaded} file(s), ${result.bytesSent} bytes, to datastore '${datastore.name}'`,
  );
  const folder = kind === 'folder';
  return {
    type: folder ? 'UriFolder' : 'UriFile',
    uri: `azureml://datastores/${datastore.name}/paths/${prefix}${folder ? '/' : ''}`,
    uploaded: { files: content.files.length, bytes: result.bytesSent, alreadyStored: result.alreadyComplete },
  };
}
