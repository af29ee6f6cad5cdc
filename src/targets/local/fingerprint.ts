// A stable fingerprint of what a local deployment runs, so a re-run with an unchanged spec against a
// Healthy service can report changed=false instead of restarting it.

import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';

/** Python's byte-code caches change on every import; they are not part of what was deployed. */
function isSkipped(name: string, isDirectory: boolean): boolean {
  return isDirectory ? name === '__pycache__' : name.endsWith('.pyc');
}

async function listFiles(root: string, prefix: string, out: string[]): Promise<void> {
  for (const entry of await readdir(join(root, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    // Follow symlinks the way a copy or upload would.
    const isDirectory =
      entry.isDirectory() || (entry.isSymbolicLink() && (await stat(join(root, rel))).isDirectory());
    if (isSkipped(entry.name, isDirectory)) continue;
    if (isDirectory) await listFiles(root, rel, out);
    else if (entry.isFile() || entry.isSymbolicLink()) out.push(rel);
  }
}

async function hashFile(hash: Hash, path: string): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

/**
 * SHA-256 (hex) over the sorted relative paths (`/`-separated) and bytes of every file under `path`,
 * skipping `__pycache__` folders and `.pyc` files. A single file hashes as its base name and bytes.
 * Each file contributes `path \0 size \0 bytes`, so moving bytes between files changes the hash.
 */
export async function hashContent(path: string): Promise<string> {
  const hash = createHash('sha256');
  const info = await stat(path);
  const root = info.isDirectory() ? path : undefined;
  const files: string[] = [];
  if (root) await listFiles(root, '', files);
  else files.push(basename(path));
  files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const rel of files) {
    const full = root ? join(root, rel) : path;
    const size = (await stat(full)).size;
    hash.update(`${rel}\0${size}\0`);
    await hashFile(hash, full);
  }
  return hash.digest('hex');
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
    code: await hashContent(input.codeDir),
    scoringScript: input.scoringScript.replaceAll('\\', '/').replace(/^\.\//, ''),
    // Values are hashed, never stored: they may be secrets.
    env,
    python: input.python ?? null,
    runtime: input.runtime,
    image: input.image ?? null,
    port: input.port ?? null,
  };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}
