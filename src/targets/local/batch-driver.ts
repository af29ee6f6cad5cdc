// Runs the bundled batch_driver.py (src/local-host, copied into dist/local-host) with the deployment's
// interpreter: the deployment check (`--check`: the script imports and init() succeeds) and jobs. The driver
// reports through `@@batch {json}` lines on stdout; every other line is the script's own output and goes to the
// log, as does stderr. The process runs in its own group, so a timeout or a cancel stops its workers too.

import { type ChildProcess, spawn as nodeSpawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Clock } from '../../clock.ts';
import type { SpawnFn } from '../../run-deps.ts';
import { hostEnvironment } from './find-host.ts';
import { signalProcessGroup } from './process-control.ts';

export const DRIVER_PY_CANDIDATES = [
  '../local-host/batch_driver.py',
  '../../local-host/batch_driver.py',
  '../../../src/local-host/batch_driver.py',
];

export function resolveBundledDriver(fromUrl: string = import.meta.url): string {
  const here = dirname(fileURLToPath(fromUrl));
  const candidates = DRIVER_PY_CANDIDATES.map((rel) => resolve(here, rel));
  const found = candidates.find((p) => existsSync(p));
  if (!found)
    throw new Error(`the bundled batch_driver.py was not found; looked at ${candidates.join(', ')}`);
  return found;
}

export interface DriverEvent {
  event: string;
  [field: string]: unknown;
}

export interface DriverRun {
  python: string;
  args: string[];
  cwd: string;
  /** The deployment's variables. */
  environmentVariables: Record<string, string>;
  /** AZUREML_MODEL_DIR, AZUREML_BI_OUTPUT_PATH. */
  runtimeVariables: Record<string, string>;
  /** Output of the process is appended here. */
  logFile: string;
  /** Epoch ms: the process is stopped after it. */
  deadline: number;
  signal?: AbortSignal;
  onEvent?: (event: DriverEvent) => void;
}

export interface DriverExit {
  code: number | null;
  /** Stopped because the deadline passed (or the run was cancelled). */
  stopped: 'deadline' | 'cancelled' | undefined;
  events: DriverEvent[];
  /** The last lines of output (events excluded). */
  tail: string[];
}

const EVENT_PREFIX = '@@batch ';
const TAIL_LINES = 60;

export async function runDriver(
  run: DriverRun,
  deps: { clock: Clock; env: NodeJS.ProcessEnv; spawn?: SpawnFn | undefined },
): Promise<DriverExit> {
  await mkdir(dirname(run.logFile), { recursive: true });
  const log: FileHandle = await open(run.logFile, 'a', 0o600);
  const spawn = (deps.spawn ?? nodeSpawn) as SpawnFn;
  const child: ChildProcess = spawn(run.python, ['-u', resolveBundledDriver(), ...run.args], {
    cwd: run.cwd,
    env: hostEnvironment(deps.env, run.environmentVariables, run.runtimeVariables),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const events: DriverEvent[] = [];
  const tail: string[] = [];
  const keep = (line: string) => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
  };
  let writes = Promise.resolve();
  const append = (text: string) => {
    writes = writes.then(() => log.appendFile(text).then(() => undefined));
  };
  const lineReader = (onLine: (line: string) => void) => {
    let pending = '';
    return (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      let nl = pending.indexOf('\n');
      while (nl >= 0) {
        onLine(pending.slice(0, nl).replace(/\r$/, ''));
        pending = pending.slice(nl + 1);
        nl = pending.indexOf('\n');
      }
    };
  };
  child.stdout?.on(
    'data',
    lineReader((line) => {
      if (line.startsWith(EVENT_PREFIX)) {
        try {
          const event = JSON.parse(line.slice(EVENT_PREFIX.length)) as DriverEvent;
          events.push(event);
          run.onEvent?.(event);
          return;
        } catch {
          // not ours after all: an ordinary line
        }
      }
      append(`${line}\n`);
      keep(line);
    }),
  );
  child.stderr?.on(
    'data',
    lineReader((line) => {
      append(`${line}\n`);
      keep(line);
    }),
  );

  let stopped: DriverExit['stopped'];
  const stop = (why: 'deadline' | 'cancelled') => {
    if (stopped || child.pid === undefined) return;
    stopped = why;
    signalProcessGroup(child.pid, 'SIGTERM');
    setTimeout(() => {
      if (child.exitCode === null && child.pid !== undefined) signalProcessGroup(child.pid, 'SIGKILL');
    }, 3000).unref();
  };
  const timer = setTimeout(() => stop('deadline'), Math.max(0, run.deadline - deps.clock.now()));
  const onAbort = () => stop('cancelled');
  run.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const code = await new Promise<number | null>((resolveExit, reject) => {
      child.once('error', reject);
      child.once('close', (exitCode) => resolveExit(exitCode));
    });
    await writes;
    return { code, stopped, events, tail };
  } finally {
    clearTimeout(timer);
    run.signal?.removeEventListener('abort', onAbort);
    await log.close();
  }
}
