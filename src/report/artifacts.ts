// Uploads what a run leaves behind (container/host logs, the plan, smoke transcripts) as a workflow
// artifact. Files are never uploaded as they are: redacted copies are staged in a temp folder first.

import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { errorMessage } from '../errors.ts';
import type { SecretSet } from '../io/redact.ts';
import type { Log } from '../log.ts';

export type UploadArtifactsMode = 'on-failure' | 'always' | 'never';

/** Uploads `files` (absolute paths under `rootDirectory`) as artifact `name`; @actions/artifact by default. */
export type UploadFn = (
  name: string,
  files: string[],
  rootDirectory: string,
) => Promise<{ id?: number; size?: number }>;

export interface UploadReportArtifactsOptions {
  name: string;
  files: string[];
  secrets: SecretSet;
  log: Log;
  /** ACTIONS_RUNTIME_TOKEN (set by the runner for actions) decides whether this is GitHub; RUNNER_TEMP stages. */
  env: NodeJS.ProcessEnv;
  /** Default @actions/artifact's DefaultArtifactClient. */
  upload?: UploadFn;
  /** Told why, when nothing was uploaded (for the report's "Full log" line). */
  onSkipped?: (reason: string) => void;
}

export interface ArtifactResult {
  name: string;
  files: number;
  id?: number;
  size?: number;
}

/** Files larger than this are left out rather than read whole into memory to redact. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;
/** Artifact names must be unique in a run; a second step with the same name gets a numbered one. */
const MAX_NAME_ATTEMPTS = 5;

export function shouldUploadArtifacts(mode: UploadArtifactsMode, failed: boolean): boolean {
  return mode === 'always' || (mode === 'on-failure' && failed);
}

/** `azureml-deploy-<action>-<endpoint>-<attempt>`, without the characters artifact names may not hold. */
export function artifactName(
  action: string,
  endpointName: string | undefined,
  runAttempt: string | undefined,
): string {
  const parts = ['azureml-deploy', action, endpointName, runAttempt ?? '1'].filter((p): p is string => !!p);
  return parts.join('-').replace(/["':<>|*?\\/\r\n\s]/g, '_');
}

/**
 * Copies each file (folders: every file inside) into `stagingDir` with secrets redacted. Binary files are left
 * out: redaction works on text, and an unredacted copy could leak. Returns the staged paths.
 */
export async function stageRedactedFiles(
  files: string[],
  secrets: SecretSet,
  stagingDir: string,
  log: Log,
): Promise<string[]> {
  const staged: string[] = [];
  const used = new Set<string>();
  for (const file of await expandFolders(files, log)) {
    const info = await stat(file);
    if (info.size > MAX_FILE_BYTES) {
      log.warn(`artifact: left out ${file} (${info.size} bytes, over ${MAX_FILE_BYTES})`);
      continue;
    }
    const bytes = await readFile(file);
    if (bytes.subarray(0, 8192).includes(0)) {
      log.debug(`artifact: left out binary file ${file} (cannot be redacted)`);
      continue;
    }
    const target = path.join(stagingDir, uniqueName(path.basename(file), used));
    await writeFile(target, secrets.redact(bytes.toString('utf8')), { mode: 0o600 });
    staged.push(target);
  }
  return staged;
}

/** Never throws: an artifact that cannot be uploaded is a warning, not a failed deployment. */
export async function uploadReportArtifacts(
  options: UploadReportArtifactsOptions,
): Promise<ArtifactResult | undefined> {
  const { files, secrets, log, env } = options;
  if (!env['ACTIONS_RUNTIME_TOKEN']) {
    log.debug('artifact: not uploaded outside GitHub Actions (no ACTIONS_RUNTIME_TOKEN)');
    options.onSkipped?.('artifacts are uploaded only by an action step, not from a run: step');
    return undefined;
  }
  if (files.length === 0) {
    log.debug('artifact: nothing to upload');
    options.onSkipped?.('nothing to upload');
    return undefined;
  }
  const parent = env['RUNNER_TEMP'] || os.tmpdir();
  let stagingDir: string | undefined;
  try {
    await mkdir(parent, { recursive: true });
    stagingDir = await mkdtemp(path.join(parent, 'azureml-deploy-artifact-'));
    const staged = await stageRedactedFiles(files, secrets, stagingDir, log);
    if (staged.length === 0) {
      log.debug('artifact: none of the files could be staged');
      options.onSkipped?.('the files could not be redacted for upload');
      return undefined;
    }
    const upload = options.upload ?? (await defaultUpload());
    for (let n = 1; ; n++) {
      const name = n === 1 ? options.name : `${options.name}-${n}`;
      try {
        const res = await upload(name, staged, stagingDir);
        log.info(`Uploaded artifact ${name} (${staged.length} file${staged.length === 1 ? '' : 's'})`);
        return {
          name,
          files: staged.length,
          ...(res.id !== undefined ? { id: res.id } : {}),
          ...(res.size !== undefined ? { size: res.size } : {}),
        };
      } catch (err) {
        if (n >= MAX_NAME_ATTEMPTS || !/already exists|conflict|\b409\b/i.test(errorMessage(err))) throw err;
      }
    }
  } catch (err) {
    log.warn(`could not upload the artifact ${options.name}: ${secrets.redact(errorMessage(err))}`);
    options.onSkipped?.('the upload failed; see the log');
    return undefined;
  } finally {
    if (stagingDir) await rm(stagingDir, { recursive: true, force: true });
  }
}

async function defaultUpload(): Promise<UploadFn> {
  const { DefaultArtifactClient } = await import('@actions/artifact');
  const client = new DefaultArtifactClient();
  return async (name, files, rootDirectory) => {
    const res = await client.uploadArtifact(name, files, rootDirectory);
    return {
      ...(res.id !== undefined ? { id: res.id } : {}),
      ...(res.size !== undefined ? { size: res.size } : {}),
    };
  };
}

async function expandFolders(files: string[], log: Log): Promise<string[]> {
  const out: string[] = [];
  for (const file of new Set(files.map((f) => path.resolve(f)))) {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(file);
    } catch {
      log.debug(`artifact: ${file} does not exist, left out`);
      continue;
    }
    if (info.isFile()) out.push(file);
    else if (info.isDirectory()) {
      const entries = await readdir(file, { recursive: true, withFileTypes: true });
      for (const e of entries) if (e.isFile()) out.push(path.join(e.parentPath, e.name));
    }
  }
  return out;
}

/** Keeps base names readable; two `host.log` files become `host.log` and `2-host.log`. */
function uniqueName(base: string, used: Set<string>): string {
  let name = base;
  for (let n = 2; used.has(name); n++) name = `${n}-${base}`;
  used.add(name);
  return name;
}
