// On a runner, model and code paths stay inside GITHUB_WORKSPACE: a path (or a symlink on the way) that leads
// to the runner's home, /etc or another job's checkout would upload what the workflow never meant to publish.

import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.ts';

export interface WorkspacePathOptions {
  /** GITHUB_WORKSPACE; undefined off a runner (the CLI): no rule then. */
  workspace: string | undefined;
  /** The input the path came from, named in the error. */
  input: string;
  /** The caller's opt-out (for instance `follow-symlinks: true`, or an explicit allow input). */
  allowOutside?: boolean;
  /** Resolves relative paths; default process.cwd(). */
  cwd?: string;
}

/**
 * Refuses `p` when it resolves (symlinks included) outside `workspace`. A path that does not exist is left to
 * the loader, which names it; only what exists can leak.
 */
export async function assertInsideWorkspace(p: string, opts: WorkspacePathOptions): Promise<void> {
  if (!opts.workspace || opts.allowOutside) return;
  const absolute = path.resolve(opts.cwd ?? process.cwd(), p);
  const real = await realpath(absolute).catch(() => undefined);
  if (real === undefined) return;
  const root = await realpath(path.resolve(opts.workspace)).catch(() =>
    path.resolve(opts.workspace as string),
  );
  if (real === root || real.startsWith(root + path.sep)) return;
  const shown = real === absolute ? `'${p}'` : `'${p}' (resolving to '${real}')`;
  throw new UsageError(
    `${shown} is outside GITHUB_WORKSPACE (${root}): refused, so that nothing beside the checkout is uploaded`,
    opts.input,
  );
}
