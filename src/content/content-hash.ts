// The content hash of a model (file or folder): one SHA-256 pass over the sorted relative paths, sizes and
// bytes. The local and the Azure registry both use it, so "identical content" means the same everywhere.

import { createHash } from 'node:crypto';
import {
  mkdir,
  open,
  readdir,
  readFile,
  readlink,
  realpath,
  rename,
  stat,
  writeFile,
} from 'node:fs/promises';
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
  /**
   * Symlinks that resolve outside the folder are refused (naming the link and its target) unless this is true
   * (the `follow-symlinks` input, default false); links inside it are followed either way.
   */
  followSymlinks?: boolean;
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
  const skip = (relPath: string, isDir: boolean) =>
    isIgnored(rules, relPath, isDir) || (opts.exclude?.(relPath, isDir) ?? false);
  const rootReal = await realpath(root);
  const inside = (real: string) => real === rootReal || real.startsWith(rootReal + path.sep);
  const files: ContentFile[] = [];
  // `ancestors`: the real paths of the folders on the way down, to tell a link back up (a loop).
  const walk = async (dir: string, dirReal: string, rel: string, ancestors: readonly string[]) => {
    const entries = await readdir(dir, { withFileTypes: true }).catch((err: unknown) => {
      throw new ConfigError({ file: path.join(label, rel), message: describeFsError(err, 'folder') });
    });
    for (const entry of entries) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      const abs = path.join(dir, entry.name);
      const where = path.join(label, relPath);
      if (!entry.isSymbolicLink()) {
        const isDir = entry.isDirectory();
        if (skip(relPath, isDir)) continue;
        if (isDir) await walk(abs, path.join(dirReal, entry.name), relPath, [...ancestors, dirReal]);
        else files.push(fileEntry(relPath, abs, await stat(abs)));
        continue;
      }
      // A symlink: resolved, then refused when it dangles, loops or (unless allowed) leaves the folder.
      const target = await readlink(abs).catch(() => '?');
      let real: string;
      try {
        real = await realpath(abs);
      } catch (err) {
        if (skip(relPath, false) || skip(relPath, true)) continue;
        const code = (err as NodeJS.ErrnoException)?.code;
        if (code === 'ENOENT' || code === 'ENOTDIR')
          throw new ConfigError({
            file: where,
            message: `is a dangling symlink: its target '${target}' does not exist`,
          });
        if (code === 'ELOOP')
          throw new ConfigError({
            file: where,
            message: `is a symlink loop: '${target}' leads back to itself`,
          });
        throw new ConfigError({ file: where, message: describeFsError(err, `symlink to '${target}'`) });
      }
      const s = await stat(real);
      const isDir = s.isDirectory();
      if (skip(relPath, isDir)) continue;
      if (!inside(real) && !opts.followSymlinks) {
        throw new ConfigError({
          file: where,
          message: `is a symlink to '${real}' (link text '${target}'), outside the folder: refused, so that nothing beside the folder is uploaded (set follow-symlinks: true to include what it points at)`,
        });
      }
      if (isDir) {
        if (real === dirReal || dirReal.startsWith(real + path.sep) || ancestors.includes(real)) {
          throw new ConfigError({
            file: where,
            message: `is a symlink loop: '${target}' leads back to a folder that contains it`,
          });
        }
        await walk(abs, real, relPath, [...ancestors, dirReal]);
      } else {
        files.push(fileEntry(relPath, abs, s));
      }
    }
  };
  await walk(root, rootReal, '', []);
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
  if (code === 'ELOOP') return `${what} is a symlink loop`;
  if (code === 'ENOTDIR') return `${what} does not exist (a part of the path is not a folder)`;
  return `${what} cannot be read: ${(err as Error)?.message ?? String(err)}`;
}

/** Above these a folder is suspicious (a virtualenv, data or build output inside `code:`): warn, do not refuse. */
export const LARGE_CONTENT = {
  code: { files: 10_000, bytes: 256 * 1024 * 1024 },
  model: { files: 100_000, bytes: 50 * 1024 * 1024 * 1024 },
} as const;

/** A warning for a code or model folder with very many files or bytes, or undefined. */
export function largeContentWarning(
  what: 'code' | 'model',
  label: string,
  content: { files: readonly ContentFile[]; totalBytes?: number },
): string | undefined {
  const files = content.files.length;
  const bytes = content.totalBytes ?? content.files.reduce((n, f) => n + f.size, 0);
  const limit = LARGE_CONTENT[what];
  if (files <= limit.files && bytes <= limit.bytes) return undefined;
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MiB`;
  return `${label}: the ${what} folder holds ${files} files, ${mib(bytes)} (more than ${limit.files} files or ${mib(limit.bytes)}): all of it is hashed and uploaded; leave out what the ${what === 'code' ? 'scoring code does not need (data, virtualenvs, build output)' : 'model does not need'} with .amlignore`;
}
