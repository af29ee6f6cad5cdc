// What every action is: typed inputs and outputs, optional cross-field validation, and run().

import type { ActionIO } from '../../io/action-io.ts';
import type { Report } from '../../report/report.ts';
import type { RunDeps } from '../../run-deps.ts';
import type { InputDefs, OutputDefs, OutputValue, ParsedInputs } from './define-inputs.ts';

export type { SpawnFn } from '../../run-deps.ts';

/** Everything from the outside world an action uses; tests build it by hand. */
export type ActionDeps = RunDeps;

export interface ActionContext<O extends OutputDefs> {
  io: ActionIO;
  report: Report;
  deps: ActionDeps;
  setOutput(name: keyof O & string, value: OutputValue | undefined): void;
}

export interface ActionDefinition<D extends InputDefs = InputDefs, O extends OutputDefs = OutputDefs> {
  /** The folder name (`deploy-model`), or `pipeline` for the root action. */
  name: string;
  title: string;
  description: string;
  inputs: D;
  outputs: O;
  /** Cross-field rules; throw UsageError naming the inputs. Runs before any side effect. */
  validate?(inputs: ParsedInputs<D>, deps: ActionDeps): void;
  run(inputs: ParsedInputs<D>, ctx: ActionContext<O>): Promise<void>;
  /**
   * The `post:` step, run by the runner only when the job was cancelled (`post-if: cancelled()`): undo what a
   * killed main step left half done. Gets the same inputs; what main saved with io.saveState.
   */
  post?(inputs: ParsedInputs<D>, ctx: ActionContext<O>): Promise<void>;
}

export function defineAction<D extends InputDefs, O extends OutputDefs>(def: ActionDefinition<D, O>) {
  return def;
}

/** Any action, for the tables that list them (the CLI, the metadata generator); run() stays typed per action. */
// biome-ignore lint/suspicious/noExplicitAny: a heterogeneous list of actions; each is checked where defined
export type AnyAction = ActionDefinition<any, any>;
