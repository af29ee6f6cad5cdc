// ActionIO: the only door to GitHub's runner. Two implementations: src/actions/runner-io.ts over
// @actions/core, and src/cli/cli-io.ts for the CLI contract in ACTIONS.md. Library code takes a Log.

import type { Log } from '../log.ts';

export interface ActionIO extends Log {
  /** The raw input value, or undefined when it is not set (an empty string counts as not set). */
  getInput(name: string): string | undefined;
  setOutput(name: string, value: string): void;
  /** Masks value in everything printed from now on. */
  setSecret(value: string): void;
  /** The text with every secret setSecret has seen so far replaced by `***`: for what the run writes to files. */
  redact(text: string): string;
  /** Appends Markdown to the job summary (or the CLI's summary destination). */
  writeSummary(markdown: string): Promise<void>;
  /** State handed from the main step to the `post:` step. */
  saveState(name: string, value: string): void;
  getState(name: string): string | undefined;
  /** Marks the run failed with an exit code (1: the action failed, 2: bad usage or input). */
  fail(message: string, exitCode: 1 | 2): void;
  /** A new GitHub OIDC ID token for the audience: the runner's, or (CLI) GitHub's when ACTIONS_ID_TOKEN_REQUEST_* are set. */
  getIdToken(audience: string): Promise<string>;
}
