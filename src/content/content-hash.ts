// The content hash of a model (file or folder): one SHA-256 pass over the sorted relative paths, sizes and
// bytes. The local and the Azure registry both use it, so "identical content" means the same everywhere.

import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.ts';
import { type IgnoreRule, isIgnored, parseIgnoreFile } from './ignore-rules.ts';

export interface ContentFile {
  /** POSIX path relative to the hashed root; for a single file, its base name. */
  relPath: string;
  absPath: string;
  size: number;
  /** What git's index keys on: a file whose stat identity is unchanged is taken as unchanged. */
  stamp?: string;
  /** The file's last change (the later of mtime and ctime), to tell a racily-clean cache entry. */
  changedMs?: number;
}

type StatLike = { mtimeMs: number; ctimeMs: number; ino: number; size: number };

function stampOf(s: StatLike): string {
  return `${s.size}:${s.mtimeMs}:${s.ctimeMs}:${s.ino}`;
}

function fileEntry(relPath: string, absPath: string, s: StatLike): ContentFile {
  return { relPath, absPath, size: s.size, stamp: stampOf(s), changedMs: Math.max(s.mtimeMs, s.ctimeMs) };
}

export interface ContentHash {
  /** `sha256:<hex>`, stored as the `content_hash` model property. */
  hash: string;
  files: ContentFile[];
  totalBytes: number;
  kind: 'file' | 'folder';
}

export const HASH_PROPERTY = 'azureml-deploy.content_hash';
const CHUNK = 4 * 1024 * 1024;

export interface ContentOptions {
  /** Leaves out more than the ignore files do (relative POSIX path; folders are asked before descending). */
  exclude?: (relPath: string, isDir: boolean) => boolean;
  /**
   * A JSON file remembering hashes by the files' stat identity (size, mtime, ctime, inode, as git's index):
   * re-hashing unchanged content, which costs seconds per GiB, is skipped.
   */
  cacheFile?: string;
}

/** Lists the files a path contributes, honouring `.amlignore`, else `.gitignore`, at a folder's root. */
export async function listContent(
  root: string,
  label = root,
  opts: ContentOptions = {},
): Promise<{ files: ContentFile[]; kind: 'file' | 'folder' }> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(root);
  } catch (err) {
    throw new ConfigError({ file: label, message: describeFsError(err, 'model path') });
  }
  if (info.isFile()) {
    return {
      kind: 'file',
      files: [fileEntry(path.basename(root), root, info)],
    };
  }
  if (!info.isDirectory()) throw new ConfigError({ file: label, message: 'is neither a file nor a folder' });
  const rules = await readIgnoreRules(root);
  const files: ContentFile[] = [];
  const walk = async (dir: string, rel: string) => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      const abs = path.join(dir, entry.name);
      // Symlinks are followed, as the Azure ML SDK does.
      const s = entry.isSymbolicLink() ? await stat(abs) : undefined;
      const isDir = s ? s.isDirectory() : entry.isDirectory();
      if (isIgnored(rules, relPath, isDir) || opts.exclude?.(relPath, isDir)) continue;
      if (isDir) await walk(abs, relPath);
      else {
        const fileStat = s ?? (await stat(abs));
        files.push(fileEntry(relPath, abs, fileStat));
      }
    }
  };
  await walk(root, '');
  files.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
  if (files.length === 0)
    throw new ConfigError({ file: label, message: 'the model folder is empty (after ignore rules)' });
  return { kind: 'folder', files };
}

async function readIgnoreRules(root: string): Promise<IgnoreRule[]> {
  for (const name of ['.amlignore', '.gitignore']) {
    try {
      return parseIgnoreFile(await readFile(path.join(root, name), 'utf8'));
    } catch {
      // not present: try the next
    }
  }
  return [];
}

export async function hashContent(
  root: string,
  label = root,
  opts: ContentOptions = {},
): Promise<ContentHash> {
  const { files, kind } = await listContent(root, label, opts);
  const key = opts.cacheFile ? cacheKey(root, files) : undefined;
  if (opts.cacheFile && key) {
    const cached = (await readCache(opts.cacheFile))[key];
    // Racily clean (git's term): a file changed in the same timestamp tick the entry was written in may have
    // changed again after it without changing its stat identity (same size, mtime and ctime tick); only an
    // entry written after every file's last change is trusted.
    if (cached && files.every((f) => f.changedMs !== undefined && f.changedMs < cached.at)) {
      return { hash: cached.hash, files, totalBytes: files.reduce((n, f) => n + f.size, 0), kind };
    }
  }
  const computed = await hashFiles(files, kind, label);
  if (opts.cacheFile && key) await writeCache(opts.cacheFile, key, computed.hash);
  return computed;
}

function cacheKey(root: string, files: ContentFile[]): string {
  const h = createHash('sha256').update(path.resolve(root));
  for (const f of files) h.update(`\0${f.relPath}\0${f.stamp ?? ''}`);
  return h.digest('hex');
}

/** A cached hash and when it was written, on the file system's clock (the cache file's mtime). */
interface CacheEntry {
  hash: string;
  at: number;
}

async function readCache(file: string): Promise<Record<string, CacheEntry>> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as unknown;
    if (!parsed || typeof parsed !== 'object') return {};
    // Entries of another shape (an older cache) are dropped: they only cost a re-hash.
    return Object.fromEntries(
      Object.entries(parsed).filter(
        ([, v]) => v && typeof v === 'object' && typeof v.hash === 'string' && typeof v.at === 'number',
      ),
    ) as Record<string, CacheEntry>;
  } catch {
    return {};
  }
}

async function writeCache(file: string, key: string, hash: string): Promise<void> {
  try {
    const entries = Object.entries(await readCache(file)).slice(-199);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    // The time of writing on the same clock (and tick) as the files' timestamps: the file system's own.
    await writeFile(tmp, '');
    const at = (await stat(tmp)).mtimeMs;
    entries.push([key, { hash, at }]);
    await writeFile(tmp, JSON.stringify(Object.fromEntries(entries)));
    await rename(tmp, file);
  } catch {
    // A cache that cannot be written only costs the next run a re-hash.
  }
}

async function hashFiles(files: ContentFile[], kind: 'file' | 'folder', label: string): Promise<ContentHash> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(CHUNK);
  let totalBytes = 0;
  for (const file of files) {
    hash.update(`${file.relPath}\0${file.size}\0`);
    let fh: Awaited<ReturnType<typeof open>>;
    try {
      fh = await open(file.absPath, 'r');
    } catch (err) {
      throw new ConfigError({
        file: path.join(label, kind === 'folder' ? file.relPath : ''),
        message: describeFsError(err, 'file'),
      });
    }
    try {
      let read = 0;
      for (;;) {
        const { bytesRead } = await fh.read(buffer, 0, CHUNK, null);
        if (bytesRead === 0) break;
        hash.update(buffer.subarray(0, bytesRead));
        read += bytesRead;
      }
      // A file that changed size while hashing would give a hash of content that never existed.
      if (read !== file.size)
        throw new ConfigError({ file: file.absPath, message: 'changed while it was being read' });
      totalBytes += read;
    } finally {
      await fh.close();
    }
  }
  return { hash: `sha256:${hash.digest('hex')}`, files, totalBytes, kind };
}

export function describeFsError(err: unknown, what: string): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return `${what} does not exist`;
  if (code === 'EACCES' || code === 'EPERM') return `${what} is not readable (permission denied)`;
  return `${what} cannot be read: ${(err as Error)?.message ?? String(err)}`;
}
