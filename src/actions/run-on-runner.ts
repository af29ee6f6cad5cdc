// Entry glue for the runner bundles: real clock, process env and cwd, SIGINT/SIGTERM as an abort signal.

import { spawn } from 'node:child_process';
import { systemClock } from '../clock.ts';
import { runnerIO } from './runner-io.ts';
import type { ActionDefinition } from './shared/action-definition.ts';
import type { InputDefs, OutputDefs } from './shared/define-inputs.ts';
import { runAction } from './shared/run-action.ts';

export async function runOnRunner<D extends InputDefs, O extends OutputDefs>(def: ActionDefinition<D, O>) {
  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => abort.abort(new Error(`received ${sig}`));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const io = runnerIO();
  // The runner runs the same file as `post:`; main leaves a mark so the second run knows it is the post step.
  const phase = io.getState('isPost') === 'true' ? 'post' : 'main';
  if (phase === 'main') io.saveState('isPost', 'true');
  const result = await runAction(
    def,
    io,
    {
      clock: systemClock,
      cwd: process.env['GITHUB_WORKSPACE'] || process.cwd(),
      env: process.env,
      spawn,
      signal: abort.signal,
    },
    phase,
  );
  process.exitCode = result.exitCode;
}
