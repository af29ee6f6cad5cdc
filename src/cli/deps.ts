// What the CLI takes from the outside world (its own file, so demo.ts and main.ts do not import each other).

import type { SpawnFn } from '../actions/shared/action-definition.ts';
import type { Clock } from '../clock.ts';
import type { CliStreams } from './cli-io.ts';

export interface CliDeps {
  streams: CliStreams;
  env: NodeJS.ProcessEnv;
  cwd: string;
  clock?: Clock;
  spawn?: SpawnFn;
  signal?: AbortSignal;
}
