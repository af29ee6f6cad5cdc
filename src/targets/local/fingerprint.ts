// A stable fingerprint of what a local deployment runs, so a re-run with an unchanged spec against a
// Healthy service can report changed=false instead of restarting it.

import { createHash } from 'node:crypto';
import { isAbsolute, relative, sep } from 'node:path';
import { hashContent as hashFiles } from '../../content/content-hash.ts';

/** Python's byte-code caches change on every import; they are not part of what was deployed. */
function isPythonCache(relPath: string, isDirectory: boolean): boolean {
  const name = relPath.slice(relPath.lastIndexOf('/') + 1);
  return isDirectory ? name === '__pycache__' : name.endsWith('.pyc');
}

/**
 * The registry's content hash (sorted relative paths, sizes and bytes; .amlignore/.gitignore honoured) of a
 * code or model folder, without Python's byte-code caches.
 */
export async function hashContent(path: string, excludeDir?: string): Promise<string> {
  // The local target's own state (registry, logs) often lives inside a code folder such as `./`.
  const skip = excludeDir ? relative(path, excludeDir).split(sep).join('/') : undefined;
  const inside = skip !== undefined && skip !== '' && !skip.startsWith('..') && !isAbsolute(skip);
  return (
    await hashFiles(path, path, {
      exclude: (rel, isDir) =>
        isPythonCache(rel, isDir) || (inside && (rel === skip || rel.startsWith(`${skip}/`))),
    })
  ).hash;
}

export interface FingerprintInput {
  /** '' without a model. */
  modelId: string;
  /** The registry's content hash when known; otherwise modelDir is hashed. */
  modelContentHash?: string;
  /** '' without a model. */
  modelDir: string;
  codeDir: string;
  scoringScript: string;
  environmentVariables: Record<string, string>;
  python?: string;
  runtime: string;
  image?: string;
  port?: number;
  /** The local target's state folder, left out of the code hash when it sits inside the code folder. */
  localDir?: string;
  /** A no-code MLflow deployment: the model's folder inside modelDir (host.py --mlflow-model). */
  mlflowModelFolder?: string;
  /** Key auth: whether a key is required, never the key (it stays the same across redeploys). */
  auth?: 'key';
}

/** SHA-256 (hex) of everything that decides what a local deployment serves. Key order does not matter. */
export async function deploymentFingerprint(input: FingerprintInput): Promise<string> {
  const env = Object.fromEntries(
    Object.entries(input.environmentVariables).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  const canonical = {
    v: 1,
    model: {
      id: input.modelId,
      content: input.modelContentHash ?? (input.modelDir ? await hashContent(input.modelDir) : null),
    },
    code: await hashContent(input.codeDir, input.localDir),
    scoringScript: input.scoringScript.replaceAll('\\', '/').replace(/^\.\//, ''),
    // Values are hashed, never stored: they may be secrets.
    env,
    python: input.python ?? null,
    runtime: input.runtime,
    image: input.image ?? null,
    port: input.port ?? null,
    // Only when set, so entry-script deployments keep the fingerprints they had.
    ...(input.mlflowModelFolder !== undefined ? { mlflowModel: input.mlflowModelFolder } : {}),
    ...(input.auth ? { auth: input.auth } : {}),
  };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}
