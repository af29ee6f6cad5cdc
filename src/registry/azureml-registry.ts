// Azure ML model versions behind the ModelRegistry seam. A local file or folder is hashed first (one SHA-256
// pass, before any network write), compared with the latest version's content hash property (dedupe), and
// only then uploaded, content-addressed, to the default datastore under `LocalUpload/<hash>/<name>` and
// registered as `azureml://subscriptions/…/datastores/<ds>/paths/LocalUpload/…`. URIs (datastore paths,
// https, runs:/, job outputs) are registered as given, deduped by identical modelUri.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BlobClient, type BlobRequestEvent } from '../azure/blob/blob-client.ts';
import { BlobError } from '../azure/blob/blob-errors.ts';
import { deniedUploadMessage, openDefaultDatastore, type UploadDatastore } from '../azure/blob/datastore.ts';
import { type ContentUploadResult, uploadContent } from '../azure/blob/upload-content.ts';
import { AzureError } from '../azure/errors.ts';
import type { AzureWorkspace } from '../azure/workspace.ts';
import type { Clock } from '../clock.ts';
import type { ModelSpec } from '../config/spec.ts';
import { type ContentHash, HASH_PROPERTY, hashContent } from '../content/content-hash.ts';
import { ActionFailure, UsageError } from '../errors.ts';
import type { Log } from '../log.ts';
import {
  assetNameProblem,
  type ModelRegistry,
  type RegisteredModel,
  type RegisterOptions,
  versionProblem,
} from './model-registry.ts';

/** Where local uploads go in the datastore, as the SDK (`ARTIFACT_ORIGIN`). */
export const UPLOAD_ROOT = 'LocalUpload';
/** PUT attempts with a fresh nextVersion when an auto version collides (the SDK's MAX_AUTOINCREMENT_ATTEMPTS). */
const VERSION_ATTEMPTS = 3;

export interface AzureRegistryOptions {
  /** Default: the ARM client's log. */
  log?: Log;
  /** Default: the ARM client's clock. */
  clock?: Clock;
  /** Blocks (and small files) in flight at once; default 8. */
  concurrency?: number;
  /** Smallest block size in bytes; default 8 MiB (grows so a file needs fewer than 50,000 blocks). */
  blockSize?: number;
  /** Streaming buffer per request in bytes; default 1 MiB (upload memory is about concurrency x this). */
  chunkSize?: number;
  /** Per-block Content-MD5; default false. */
  blockMd5?: boolean;
  /** How often upload progress is logged; default 5 s. */
  progressIntervalMs?: number;
  /** Retries of one blob request; default 8. */
  blobRetries?: number;
  /** Epoch ms after which no blob request is sent or retried. */
  deadline?: number;
  random?: () => number;
  signal?: AbortSignal;
  /** Remembers content hashes by the files' stat identity (see ContentOptions.cacheFile). */
  hashCacheFile?: string;
  /** Called before every blob request attempt (tests and benches count with it). */
  onBlobRequest?: (event: BlobRequestEvent) => void;
}

export interface AzureRegisteredModel extends RegisteredModel {
  /** Wall time of register(), hash and upload included. */
  durationMs: number;
  hashMs: number;
  uploadMs: number;
  /** What the upload did; undefined when nothing was uploaded (reused, or a URI). */
  upload?: ContentUploadResult;
  /** The datastore the content went to. */
  datastore?: string;
}

interface ModelVersionJson {
  id?: string;
  name?: string;
  properties?: {
    modelUri?: string;
    modelType?: string;
    description?: string | null;
    tags?: Record<string, string> | null;
    properties?: Record<string, string> | null;
    flavors?: unknown;
    jobName?: string;
    stage?: string;
    isAnonymous?: boolean;
    isArchived?: boolean;
  };
}

interface ModelContainerJson {
  properties?: { latestVersion?: string | null; nextVersion?: string | null };
}

/** What makes two registrations the same model: the content hash, or for URIs the URI itself. */
type Identity = { kind: 'hash'; hash: string } | { kind: 'uri'; uri: string };

export class AzureModelRegistry implements ModelRegistry {
  readonly #workspace: AzureWorkspace;
  readonly #options: AzureRegistryOptions;
  readonly #log: Log;
  readonly #clock: Clock;

  constructor(workspace: AzureWorkspace, options: AzureRegistryOptions = {}) {
    this.#workspace = workspace;
    this.#options = options;
    this.#log = options.log ?? workspace.client.log;
    this.#clock = options.clock ?? workspace.client.clock;
  }

  async register(spec: ModelSpec, opts: RegisterOptions): Promise<AzureRegisteredModel> {
    const nameProblem = assetNameProblem('model', spec.name);
    if (nameProblem) throw new UsageError(nameProblem, 'model-name');
    if (spec.version !== undefined) {
      const problem = versionProblem(spec.version);
      if (problem) throw new UsageError(problem, 'model-version');
    }
    const started = this.#clock.now();
    const remoteUri = this.#remoteModelUri(spec.path);
    let content: ContentHash | undefined;
    if (remoteUri === undefined) {
      // Before any network call: a bad path fails fast, and the hash decides whether anything is sent.
      const local = localPath(spec.path);
      content = await hashContent(local, local, {
        ...(this.#options.hashCacheFile ? { cacheFile: this.#options.hashCacheFile } : {}),
        followSymlinks: opts.followSymlinks ?? false,
      });
    }
    const hashMs = this.#clock.now() - started;
    const identity: Identity = content
      ? { kind: 'hash', hash: content.hash }
      : { kind: 'uri', uri: remoteUri as string };
    const timings = () => ({ durationMs: this.#clock.now() - started, hashMs, uploadMs: 0 });

    if (spec.version !== undefined) {
      const existing = await this.#getVersion(spec.name, spec.version);
      if (existing) return { ...this.#checkExplicit(spec, existing, identity), ...timings() };
    }
    const container = spec.version === undefined ? await this.#getContainer(spec.name) : undefined;
    if (spec.version === undefined && opts.dedupe && container) {
      const latest = await this.#latestVersion(spec.name);
      if (latest && sameModel(latest, identity)) {
        this.#log.info(
          `model ${spec.name}:${latest.name} has identical content: reusing it, nothing uploaded`,
        );
        return { ...this.#toResult(spec.name, latest, true), ...timings() };
      }
    }
    let version = spec.version ?? container?.properties?.nextVersion ?? '1';

    let modelUri = remoteUri;
    let upload: ContentUploadResult | undefined;
    let datastore: UploadDatastore | undefined;
    const uploadStarted = this.#clock.now();
    if (content) {
      datastore = await openDefaultDatastore(this.#workspace, this.#log);
      const prefix = `${UPLOAD_ROOT}/${content.hash.replace(/^sha256:/, '')}/${path.basename(localPath(spec.path))}`;
      upload = await this.#upload(datastore, content, prefix, { name: spec.name, version });
      modelUri = this.#datastoreUri(datastore.name, prefix);
    }
    const uploadMs = this.#clock.now() - uploadStarted;

    const body = {
      properties: {
        modelUri,
        modelType: spec.type,
        ...(spec.description ? { description: spec.description } : {}),
        tags: spec.tags,
        properties: { ...spec.properties, ...(content ? { [HASH_PROPERTY]: content.hash } : {}) },
        isAnonymous: false,
        isArchived: false,
      },
    };
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.#workspace.client.put<ModelVersionJson>(
          this.#versionPath(spec.name, version),
          {
            body,
          },
        );
        const model = this.#toResult(spec.name, res.body ?? {}, false, version);
        this.#log.info(`model ${model.id} registered (${modelUri})`);
        return {
          ...model,
          contentHash: content?.hash ?? '',
          bytesUploaded: upload?.bytesSent ?? 0,
          durationMs: this.#clock.now() - started,
          hashMs,
          uploadMs,
          ...(upload ? { upload } : {}),
          ...(datastore ? { datastore: datastore.name } : {}),
        };
      } catch (error) {
        if (!(error instanceof AzureError) || error.status !== 409) throw error;
        if (spec.version !== undefined) {
          // Someone created this explicit version since we looked: same content is fine, else the user's call.
          const now = await this.#getVersion(spec.name, spec.version);
          if (!now) throw error;
          return { ...this.#checkExplicit(spec, now, identity), ...timings() };
        }
        if (attempt >= VERSION_ATTEMPTS) {
          throw new ActionFailure(
            `model ${spec.name}: version ${version} was taken by another registration ${VERSION_ATTEMPTS} times in a row; run again or give model-version. ${error.message}`,
          );
        }
        const tried = version;
        version = (await this.#getContainer(spec.name))?.properties?.nextVersion ?? '1';
        this.#log.info(`model ${spec.name}: version ${tried} was created concurrently; trying ${version}`);
      }
    }
  }

  /**
   * What register() would do, with reads only (a dry run): the local content hashed and compared with the
   * latest version, as register() dedupes. Nothing is uploaded or written.
   */
  async planRegister(
    spec: ModelSpec,
    opts: RegisterOptions,
  ): Promise<{ name: string; version: string; reused: boolean; contentHash: string }> {
    const nameProblem = assetNameProblem('model', spec.name);
    if (nameProblem) throw new UsageError(nameProblem, 'model-name');
    const remoteUri = this.#remoteModelUri(spec.path);
    let hash = '';
    if (remoteUri === undefined) {
      const local = localPath(spec.path);
      hash = (
        await hashContent(local, local, {
          ...(this.#options.hashCacheFile ? { cacheFile: this.#options.hashCacheFile } : {}),
          followSymlinks: opts.followSymlinks ?? false,
        })
      ).hash;
    }
    const identity: Identity = hash ? { kind: 'hash', hash } : { kind: 'uri', uri: remoteUri as string };
    if (spec.version !== undefined) {
      const existing = await this.#getVersion(spec.name, spec.version);
      if (existing) this.#checkExplicit(spec, existing, identity);
      return { name: spec.name, version: spec.version, reused: existing !== undefined, contentHash: hash };
    }
    const container = await this.#getContainer(spec.name);
    if (opts.dedupe && container) {
      const latest = await this.#latestVersion(spec.name);
      if (latest?.name && sameModel(latest, identity)) {
        return { name: spec.name, version: latest.name, reused: true, contentHash: hash };
      }
    }
    return {
      name: spec.name,
      version: container?.properties?.nextVersion ?? '1',
      reused: false,
      contentHash: hash,
    };
  }

  async resolve(name: string, version?: string): Promise<RegisteredModel | undefined> {
    const found =
      version === undefined ? await this.#latestVersion(name) : await this.#getVersion(name, version);
    return found ? this.#toResult(name, found, true) : undefined;
  }

  /** Deletes the version; false when it did not exist. */
  async delete(name: string, version: string): Promise<boolean> {
    const res = await this.#workspace.client.delete(this.#versionPath(name, version), { allowStatus: [404] });
    return res.status === 200 || res.status === 202;
  }

  /** Archives the version (hidden from lists and `@latest`, still deployable); false when it did not exist. */
  async archive(name: string, version: string): Promise<boolean> {
    const existing = await this.#getVersion(name, version);
    if (!existing?.properties) return false;
    const p = existing.properties;
    await this.#workspace.client.put(this.#versionPath(name, version), {
      body: {
        properties: {
          ...(p.modelUri !== undefined ? { modelUri: p.modelUri } : {}),
          ...(p.modelType !== undefined ? { modelType: p.modelType } : {}),
          ...(p.description ? { description: p.description } : {}),
          tags: p.tags ?? {},
          properties: p.properties ?? {},
          ...(p.flavors ? { flavors: p.flavors } : {}),
          ...(p.jobName ? { jobName: p.jobName } : {}),
          ...(p.stage ? { stage: p.stage } : {}),
          isAnonymous: p.isAnonymous ?? false,
          isArchived: true,
        },
      },
    });
    return true;
  }

  async #upload(
    datastore: UploadDatastore,
    content: ContentHash,
    prefix: string,
    marker: { name: string; version: string },
  ): Promise<ContentUploadResult> {
    const o = this.#options;
    const client = new BlobClient({
      serviceUrl: datastore.serviceUrl,
      accountName: datastore.accountName,
      container: datastore.containerName,
      auth: datastore.auth,
      dispatcher: this.#workspace.dispatcher,
      clock: this.#clock,
      log: this.#log,
      ...(o.blobRetries !== undefined ? { maxRetries: o.blobRetries } : {}),
      ...(o.deadline !== undefined ? { deadline: o.deadline } : {}),
      ...(o.random ? { random: o.random } : {}),
      ...(o.onBlobRequest ? { onRequest: o.onBlobRequest } : {}),
    });
    const started = this.#clock.now();
    const interval = o.progressIntervalMs ?? 5000;
    let lastReport = started;
    let lastBytes = 0;
    const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
    try {
      const result = await uploadContent({
        client,
        content,
        prefix,
        ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {}),
        ...(o.blockSize !== undefined ? { blockSize: o.blockSize } : {}),
        ...(o.chunkSize !== undefined ? { chunkSize: o.chunkSize } : {}),
        ...(o.blockMd5 ? { blockMd5: true } : {}),
        completionMetadata: marker,
        onProgress: (sent, total) => {
          const now = this.#clock.now();
          if (now - lastReport < interval) return;
          const rate = (sent - lastBytes) / (Math.max(1, now - lastReport) / 1000);
          this.#log.info(`uploading: ${mib(sent)} of ${mib(total)} MiB (${mib(rate)} MiB/s)`);
          lastReport = now;
          lastBytes = sent;
        },
        ...(o.signal ? { signal: o.signal } : {}),
      });
      const seconds = Math.max(1, this.#clock.now() - started) / 1000;
      if (result.alreadyComplete) {
        this.#log.info(
          `content ${content.hash} is already in datastore '${datastore.name}': nothing uploaded`,
        );
      } else {
        this.#log.info(
          `uploaded ${result.filesUploaded} file(s), ${mib(result.bytesSent)} MiB, to datastore '${datastore.name}' in ${seconds.toFixed(1)} s (${mib(result.bytesSent / seconds)} MiB/s)` +
            (result.filesSkipped ? `; ${result.filesSkipped} file(s) were already stored` : '') +
            (result.blocksReused ? `; resumed, ${result.blocksReused} block(s) were already stored` : ''),
        );
      }
      return result;
    } catch (error) {
      if (
        error instanceof BlobError &&
        error.isAccessDenied &&
        datastore.authReason === 'listSecrets refused'
      ) {
        throw new ActionFailure(deniedUploadMessage(datastore, this.#workspace.path, error.message));
      }
      throw error;
    }
  }

  #checkExplicit(spec: ModelSpec, existing: ModelVersionJson, identity: Identity): RegisteredModel {
    const version = spec.version as string;
    if (sameModel(existing, identity)) {
      this.#log.info(`model ${spec.name}:${version} exists with identical content: reusing it`);
      return this.#toResult(spec.name, existing, true);
    }
    const theirs =
      identity.kind === 'hash'
        ? (existing.properties?.properties?.[HASH_PROPERTY] ??
          'no content hash: not registered by this action')
        : (existing.properties?.modelUri ?? 'no modelUri');
    throw new UsageError(
      `model ${spec.name} version ${version} already exists with different content (${theirs}); ` +
        'choose another model-version or leave it empty for the next one',
      'model-version',
    );
  }

  async #getVersion(name: string, version: string): Promise<ModelVersionJson | undefined> {
    const res = await this.#workspace.client.get<ModelVersionJson>(this.#versionPath(name, version), {
      allowStatus: [404],
    });
    return res.status === 404 ? undefined : res.body;
  }

  async #getContainer(name: string): Promise<ModelContainerJson | undefined> {
    const res = await this.#workspace.client.get<ModelContainerJson>(this.#modelPath(name), {
      allowStatus: [404],
    });
    return res.status === 404 ? undefined : res.body;
  }

  /** The most recently created active version, as the SDK's `@latest`. */
  async #latestVersion(name: string): Promise<ModelVersionJson | undefined> {
    const res = await this.#workspace.client.get<{ value?: ModelVersionJson[] }>(
      `${this.#modelPath(name)}/versions`,
      { query: { $orderBy: 'createdtime desc', $top: 1 }, allowStatus: [404] },
    );
    return res.status === 404 ? undefined : res.body?.value?.[0];
  }

  #modelPath(name: string): string {
    return `${this.#workspace.path}/models/${encodeURIComponent(name)}`;
  }

  #versionPath(name: string, version: string): string {
    return `${this.#modelPath(name)}/versions/${encodeURIComponent(version)}`;
  }

  /** The SDK's long form, with lower-case `resourcegroups`. */
  #datastoreUri(datastore: string, blobPath: string): string {
    const ref = this.#workspace.ref;
    return `azureml://subscriptions/${ref.subscriptionId}/resourcegroups/${ref.resourceGroup}/workspaces/${ref.workspaceName}/datastores/${datastore}/paths/${blobPath}`;
  }

  /** The modelUri for a URI model path (short datastore form expanded), or undefined for a local path. */
  #remoteModelUri(modelPath: string): string | undefined {
    if (!isUri(modelPath) || /^file:/i.test(modelPath)) return undefined;
    const short = /^azureml:\/\/datastores\/([^/]+)\/paths\/(.*)$/i.exec(modelPath);
    if (short) return this.#datastoreUri(short[1] ?? '', short[2] ?? '');
    if (/^(azureml:\/\/|https?:\/\/|wasbs?:\/\/|abfss?:\/\/|runs:\/)/i.test(modelPath)) return modelPath;
    throw new UsageError(
      `'${modelPath}' is not a model path Azure ML accepts: use a local file or folder, azureml://…, https://…, runs:/… or azureml://jobs/<job>/outputs/<output>/paths/…`,
      'model-path',
    );
  }

  #toResult(
    name: string,
    json: ModelVersionJson,
    reused: boolean,
    fallbackVersion?: string,
  ): RegisteredModel {
    const version = json.name ?? fallbackVersion ?? '';
    return {
      name,
      version,
      id: `azureml:${name}:${version}`,
      assetId: json.id ?? `${this.#workspace.path}/models/${name}/versions/${version}`,
      uri: json.properties?.modelUri ?? '',
      contentHash: json.properties?.properties?.[HASH_PROPERTY] ?? '',
      reused,
      bytesUploaded: 0,
    };
  }
}

function sameModel(version: ModelVersionJson, identity: Identity): boolean {
  return identity.kind === 'hash'
    ? version.properties?.properties?.[HASH_PROPERTY] === identity.hash
    : version.properties?.modelUri === identity.uri;
}

function isUri(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(value) && !/^[a-z]:[\\/]/i.test(value);
}

function localPath(modelPath: string): string {
  return /^file:/i.test(modelPath) ? fileURLToPath(modelPath) : modelPath;
}
