// Runs the CLI in-process with captured streams.

import { runCli } from '../../src/cli/main.ts';
import type { Clock } from '../../src/clock.ts';

export interface CliRun {
  code: 0 | 1 | 2;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
}

export async function cli(
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; clock?: Clock; signal?: AbortSignal },
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    streams: {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
    },
    env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ...opts.env },
    cwd: opts.cwd,
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const outputs: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) outputs[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return { code, stdout, stderr, outputs };
}
