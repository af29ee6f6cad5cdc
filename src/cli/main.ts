// `node dist/cli/index.js <action> [--input value ...]`: the same actions outside GitHub (ACTIONS.md).

import { spawn } from 'node:child_process';
import { ACTION_LOADERS, ACTION_NAMES } from '../actions/registry.ts';
import type { SpawnFn } from '../actions/shared/action-definition.ts';
import { runAction } from '../actions/shared/run-action.ts';
import { type Clock, systemClock } from '../clock.ts';
import { errorMessage, UsageError } from '../errors.ts';
import { type CliStreams, createCliIO } from './cli-io.ts';
import { inputFromEnv, parseArgs } from './parse-args.ts';

export interface CliDeps {
  streams: CliStreams;
  env: NodeJS.ProcessEnv;
  cwd: string;
  clock?: Clock;
  spawn?: SpawnFn;
  signal?: AbortSignal;
}

const USAGE = `usage: azureml-deploy <action> [--<input-name> value | --<input-name>=value | --<boolean-input>] ...
       azureml-deploy demo

actions: ${ACTION_NAMES.join(', ')}
Inputs are the action's inputs (see its action.yml); INPUT_<NAME> environment variables work too, flags win.
--summary-file FILE writes the job summary there (default: $GITHUB_STEP_SUMMARY, else stderr).
Outputs are printed last on stdout as name=value. Exit codes: 0 success, 1 failed, 2 bad usage or input.
`;

export async function runCli(argv: readonly string[], deps: CliDeps): Promise<0 | 1 | 2> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    deps.streams[command ? 'stdout' : 'stderr'].write(USAGE);
    return command ? 0 : 2;
  }
  if (command === 'demo') return (await import('./demo.ts')).runDemo(rest, deps);
  const load = ACTION_LOADERS[command];
  if (!load) {
    deps.streams.stderr.write(`error: unknown action '${command}'\n${USAGE}`);
    return 2;
  }
  const def = await load();
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(rest, def.inputs);
  } catch (err) {
    deps.streams.stderr.write(`error: ${errorMessage(err)}\n`);
    if (!(err instanceof UsageError)) throw err;
    return 2;
  }
  const io = createCliIO({
    read: (name) => parsed.inputs.get(name) ?? inputFromEnv(deps.env, name),
    streams: deps.streams,
    ...(parsed.summaryFile ? { summaryFile: parsed.summaryFile } : {}),
    env: deps.env,
  });
  const result = await runAction(def, io, {
    clock: deps.clock ?? systemClock,
    cwd: deps.cwd,
    env: deps.env,
    spawn: deps.spawn ?? spawn,
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  await io.flush();
  return result.exitCode;
}
