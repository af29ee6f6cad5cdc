// The local model registry: `<local-dir>/models/<name>/<version>/` holds the artifact under its own name
// (that folder is AZUREML_MODEL_DIR for the local target), metadata in `<name>/.versions/<version>.json`.

import { randomUUID } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ModelSpec } from '../config/spec.ts';
import { HASH_PROPERTY, hashContent } from '../content/content-hash.ts';
import { ActionFailure, UsageError } from '../errors.ts';
import type { ModelRegistry, RegisteredModel, RegisterOptions } from './model-registry.ts';
import { assetNameProblem, versionProblem } from './model-registry.ts';

interface VersionMeta {
  name: string;
  version: string;
  type: string;
  description?: string;
  tags: Record<string, string>;
  properties: Record<string, string>;
  contentHash: string;
  artifact: string;
  bytes: number;
  createdAt: string;
  source: string;
}

export class LocalModelRegistry implements ModelRegistry {
  private readonly root: string;
  private readonly now: () => number;
  constructor(localDir: string, now: () => number = Date.now) {
    this.root = path.join(localDir, 'models');
    this.now = now;
  }

  async register(spec: ModelSpec, opts: RegisterOptions): Promise<RegisteredModel> {
    const nameProblem = assetNameProblem('model', spec.name);
    if (nameProblem) throw new UsageError(nameProblem, 'model-name');
    if (spec.version !== undefined) {
      const p = versionProblem(spec.version);
      if (p) throw new UsageError(p, 'model-version');
    }
    if (/^[a-z][a-z0-9+.-]*:/i.test(spec.path) && !/^[a-z]:[\\/]/i.test(spec.path)) {
      throw new UsageError(
        `'${spec.path}' is a URI; the local registry needs a local file or folder (use target: azureml for URIs)`,
        'model-path',
      );
    }
    const content = await hashContent(spec.path, spec.path, {
      cacheFile: path.join(this.root, '.hash-cache.json'),
      followSymlinks: opts.followSymlinks ?? false,
    });
    const existing = await this.listMeta(spec.name);

    if (spec.version !== undefined) {
      const same = existing.find((m) => m.version === spec.version);
      if (same) {
        if (same.contentHash === content.hash) return this.toResult(same, true);
        throw new UsageError(
          `model ${spec.name} version ${spec.version} already exists with different content (${same.contentHash}); ` +
            'choose another model-version or leave it empty for the next one',
          'model-version',
        );
      }
    } else if (opts.dedupe) {
      const latest = latestOf(existing);
      if (latest && latest.contentHash === content.hash) return this.toResult(latest, true);
    }

    const version = spec.version ?? nextVersion(existing);
    const artifact = path.basename(spec.path);
    const finalDir = this.versionDir(spec.name, version);
    const tmpDir = path.join(this.root, spec.name, `.tmp-${randomUUID()}`);
    await mkdir(tmpDir, { recursive: true });
    try {
      // Copy the hashed file list, not the folder, so ignored files stay out as they would on Azure.
      for (const file of content.files) {
        const dest =
          content.kind === 'file' ? path.join(tmpDir, artifact) : path.join(tmpDir, artifact, file.relPath);
        await mkdir(path.dirname(dest), { recursive: true });
        await cp(file.absPath, dest, { dereference: true });
      }
      const meta: VersionMeta = {
        name: spec.name,
        version,
        type: spec.type,
        ...(spec.description ? { description: spec.description } : {}),
        tags: spec.tags,
        properties: { ...spec.properties, [HASH_PROPERTY]: content.hash },
        contentHash: content.hash,
        artifact,
        bytes: content.totalBytes,
        createdAt: new Date(this.now()).toISOString(),
        source: spec.path,
      };
      await mkdir(path.dirname(this.metaFile(spec.name, version)), { recursive: true });
      try {
        await rename(tmpDir, finalDir);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOTEMPTY' || code === 'EEXIST') {
          throw new ActionFailure(
            `model ${spec.name} version ${version} was created concurrently; run again`,
          );
        }
        throw err;
      }
      await writeFile(this.metaFile(spec.name, version), `${JSON.stringify(meta, null, 2)}\n`);
      return { ...this.toResult(meta, false), bytesUploaded: content.totalBytes };
    } finally {
      await rm(tmpDir, { recursive: true, force: true });
    }
  }

  async resolve(name: string, version?: string): Promise<RegisteredModel | undefined> {
    const all = await this.listMeta(name);
    const meta = version === undefined ? latestOf(all) : all.find((m) => m.version === version);
    return meta ? this.toResult(meta, true) : undefined;
  }

  async delete(name: string, version: string): Promise<boolean> {
    const meta = (await this.listMeta(name)).find((m) => m.version === version);
    if (!meta) return false;
    await rm(this.metaFile(name, version), { force: true });
    await rm(this.versionDir(name, version), { recursive: true, force: true });
    return true;
  }

  private versionDir(name: string, version: string): string {
    return path.join(this.root, name, version);
  }

  private metaFile(name: string, version: string): string {
    return path.join(this.root, name, '.versions', `${version}.json`);
  }

  private async listMeta(name: string): Promise<VersionMeta[]> {
    let files: string[];
    try {
      files = await readdir(path.join(this.root, name, '.versions'));
    } catch {
      return [];
    }
    const metas: VersionMeta[] = [];
    for (const f of files.filter((x) => x.endsWith('.json'))) {
      try {
        metas.push(
          JSON.parse(await readFile(path.join(this.root, name, '.versions', f), 'utf8')) as VersionMeta,
        );
      } catch {
        // a half-written metadata file from an interrupted run: that version does not exist
      }
    }
    return metas;
  }

  private toResult(meta: VersionMeta, reused: boolean): RegisteredModel {
    const dir = this.versionDir(meta.name, meta.version);
    return {
      name: meta.name,
      version: meta.version,
      id: `azureml:${meta.name}:${meta.version}`,
      assetId: dir,
      uri: `file://${path.join(dir, meta.artifact)}`,
      contentHash: meta.contentHash,
      reused,
      bytesUploaded: 0,
      localDir: dir,
      type: meta.type,
    };
  }
}

/** The latest is the most recently created (as Azure ML's `@latest`), ties broken by numeric version. */
function latestOf(metas: VersionMeta[]): VersionMeta | undefined {
  return [...metas]
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || compareVersions(a.version, b.version))
    .at(-1);
}

/** Like Azure's nextVersion: one more than the highest integer version. */
function nextVersion(metas: VersionMeta[]): string {
  let max = 0;
  for (const m of metas) if (/^\d+$/.test(m.version)) max = Math.max(max, Number(m.version));
  return String(max + 1);
}

function compareVersions(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return Number(a) - Number(b);
  return a.localeCompare(b);
}
