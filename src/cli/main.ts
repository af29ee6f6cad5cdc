// `node dist/cli/index.js <action> [--input value ...]`: the same actions outside GitHub (ACTIONS.md).

import { spawn } from 'node:child_process';
import { ACTION_LOADERS, ACTION_NAMES } from '../actions/all-actions.ts';
import { runAction } from '../actions/shared/run-action.ts';
import { systemClock } from '../clock.ts';
import { errorMessage, UsageError } from '../errors.ts';
import { createCliIO } from './cli-io.ts';
import type { CliDeps } from './deps.ts';
import { actionHelp, DEMO_HELP, usage, wantsHelp } from './help.ts';
import { inputFromEnv, parseArgs } from './parse-args.ts';

export type { CliDeps } from './deps.ts';

const USAGE = usage(ACTION_NAMES);

export async function runCli(argv: readonly string[], deps: CliDeps): Promise<0 | 1 | 2> {
  let [command, ...rest] = argv;
  // `help <action>` is `<action> --help`.
  if (command === 'help' && rest[0]) [command, rest] = [rest[0], ['--help']];
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    deps.streams[command ? 'stdout' : 'stderr'].write(USAGE);
    return command ? 0 : 2;
  }
  const load = ACTION_LOADERS[command];
  if (command === 'demo') {
    if (wantsHelp(rest)) {
      deps.streams.stdout.write(DEMO_HELP);
      return 0;
    }
    return (await import('./demo.ts')).runDemo(rest, deps);
  }
  if (!load) {
    deps.streams.stderr.write(`error: unknown action '${command}'\n${USAGE}`);
    return 2;
  }
  // Only the asked action's definitions load, for its help as for a run.
  const def = await load();
  if (wantsHelp(rest)) {
    deps.streams.stdout.write(actionHelp(def));
    return 0;
  }
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
