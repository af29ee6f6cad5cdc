// What a run takes from the outside world (clock, working directory, environment, process spawner, cancel
// signal). Actions, targets and the CLI share it; tests build it by hand.

import type { ChildProcess, SpawnOptions } from 'node:child_process';
import type { Clock } from './clock.ts';

export type SpawnFn = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

export interface RunDeps {
  clock: Clock;
  cwd: string;
  env: NodeJS.ProcessEnv;
  spawn?: SpawnFn;
  /** Aborted on SIGINT/SIGTERM. */
  signal?: AbortSignal;
}
