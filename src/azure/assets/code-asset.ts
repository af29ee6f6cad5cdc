// A local code folder as a workspace code version, named by its content so unchanged code is never uploaded
// again: `codes/<folder name>/versions/<first 32 hex of the SHA-256 content hash>` (hashContent: the same
// hash, ignore rules and file list models use), with the full hash in the version's properties. Planning
// reads only (one GET); creating uploads through startPendingUpload's SAS and then PUTs the version with
// codeUri = the upload's blobUri. A version that exists with another hash is an error, never overwritten.
//
// Why not the SDK's lookup (`GET codes/{name}/versions?hash=...&hashVersion=202208`): that hash is a
// different algorithm and the list filter is undocumented; a name derived from the content needs neither.

import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { type ContentFile, hashContent, largeContentWarning } from '../../content/content-hash.ts';
import { ConfigError } from '../../errors.ts';

/**
 * Never part of a code asset, whatever the ignore files say: git's own folder, and the local target's state
 * (`.azureml-local`: logs, the hash cache), which would make every run's code look new when `code: ./`.
 */
function isToolingFolder(relPath: string, isDir: boolean): boolean {
  const name = relPath.slice(relPath.lastIndexOf('/') + 1);
  return isDir && (name === '.git' || name === '.azureml-local');
}

import { assetVersionId } from '../bodies/arm-ids.ts';
import { CODE_HASH_PROPERTY, codeVersionBody } from '../bodies/code-version.ts';
import { AzureError } from '../errors.ts';
import type { AzureWorkspace } from '../workspace.ts';
import { type AssetCallOptions, assetPath, getAssetVersion } from './asset-versions.ts';
import { uploadFilesWithSas } from './put-blob.ts';

export interface PlannedCodeAsset {
  name: string;
  version: string;
  /** ARM id of the code version (existing, or the one create will make). */
  id: string;
  /** `sha256:<hex>` */
  contentHash: string;
  /** true: the version exists with this content; nothing to upload. */
  exists: boolean;
  localPath: string;
  files: ContentFile[];
  totalBytes: number;
  /** Set when the folder holds very many files or bytes: the caller prints it before any write. */
  warning?: string;
}

export interface CreatedCodeAsset {
  id: string;
  uploadedFiles: number;
  uploadedBytes: number;
  /** false when another run created the same version first. */
  created: boolean;
}

export async function planCodeAsset(
  ws: AzureWorkspace,
  localPath: string,
  opts: AssetCallOptions & { followSymlinks?: boolean } = {},
): Promise<PlannedCodeAsset> {
  const hashed = await hashContent(localPath, localPath, {
    exclude: isToolingFolder,
    followSymlinks: opts.followSymlinks ?? false,
  }).catch((error: unknown) => {
    // hashContent words its errors for models.
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError({
      file: error.file,
      message: error.reason.replace(/\bmodel (folder|path)\b/, 'code $1'),
    });
  });
  const hex = hashed.hash.replace(/^sha256:/, '');
  const name = codeAssetName(hashed.kind === 'folder' ? localPath : path.dirname(localPath));
  const version = hex.slice(0, 32);
  const existing = await getAssetVersion(ws, 'codes', name, version, opts);
  if (existing) assertSameHash(name, version, existing.properties, hashed.hash);
  return {
    name,
    version,
    id: assetVersionId(ws.path, 'codes', name, version),
    contentHash: hashed.hash,
    exists: existing !== undefined,
    localPath,
    files: hashed.files,
    totalBytes: hashed.totalBytes,
    ...warningField(largeContentWarning('code', localPath, hashed)),
  };
}

function warningField(warning: string | undefined): { warning?: string } {
  return warning ? { warning } : {};
}

/** Uploads the files and PUTs the code version (nothing when it already exists). */
export async function createCodeAsset(
  ws: AzureWorkspace,
  planned: PlannedCodeAsset,
  opts: AssetCallOptions = {},
): Promise<CreatedCodeAsset> {
  if (planned.exists) return { id: planned.id, uploadedFiles: 0, uploadedBytes: 0, created: false };
  const versionPath = assetPath(ws, 'codes', planned.name, planned.version);
  const common = {
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.deadline !== undefined ? { deadline: opts.deadline } : {}),
  };
  const pending = await ws.client.post<PendingUpload>(`${versionPath}/startPendingUpload`, {
    ...common,
    body: { pendingUploadId: randomUUID(), pendingUploadType: 'TemporaryBlobReference' },
    // Asking for another upload slot is harmless.
    idempotent: true,
  });
  const reference = pending.body?.blobReferenceForConsumption;
  const blobUri = reference?.blobUri;
  const sasUri = reference?.credential?.sasUri;
  if (!blobUri || !sasUri) {
    throw new Error(
      `startPendingUpload for code ${planned.name}:${planned.version} returned no blobUri/SAS (credentialType ${reference?.credential?.credentialType ?? 'none'})`,
    );
  }
  const uploadedBytes = await uploadFilesWithSas(blobUri, sasUri, planned.files, {
    dispatcher: ws.dispatcher,
    clock: ws.client.clock,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  try {
    await ws.client.put(versionPath, { ...common, body: codeVersionBody(blobUri, planned.contentHash) });
  } catch (error) {
    // Another run named the same content first: its version is as good as ours.
    if (!(error instanceof AzureError) || error.status !== 409) throw error;
    const winner = await getAssetVersion(ws, 'codes', planned.name, planned.version, opts);
    if (!winner) throw error;
    assertSameHash(planned.name, planned.version, winner.properties, planned.contentHash);
    return { id: planned.id, uploadedFiles: planned.files.length, uploadedBytes, created: false };
  }
  return { id: planned.id, uploadedFiles: planned.files.length, uploadedBytes, created: true };
}

/** The folder's name as an asset name (letters, digits, `-`, `_`, `.`; a letter or digit first). */
export function codeAssetName(folder: string): string {
  const cleaned = path
    .basename(path.resolve(folder))
    .replace(/[^a-zA-Z0-9._-]+/g, '-')
    .replace(/^[^a-zA-Z0-9]+/, '')
    .slice(0, 200);
  return cleaned || 'code';
}

function assertSameHash(
  name: string,
  version: string,
  properties: Record<string, unknown>,
  hash: string,
): void {
  const stored = (properties.properties as Record<string, unknown> | undefined)?.[CODE_HASH_PROPERTY];
  if (stored !== hash) {
    throw new Error(
      `code asset ${name}:${version} already exists with ${stored ? `content hash ${String(stored)}` : 'no content hash'}, not ${hash}; it was not made by this toolkit (asset versions are immutable: rename the code folder)`,
    );
  }
}

interface PendingUpload {
  blobReferenceForConsumption?: {
    blobUri?: string;
    credential?: { credentialType?: string; sasUri?: string };
  };
}
