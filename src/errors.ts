// Typed errors. One place (src/actions/shared/run-action.ts, which the CLI runs too) turns them into a
// message, an annotation and an exit code: UsageError and ConfigError mean "nothing was done" (exit 2),
// anything else exit 1.

/** A bad flag or input value. `input` names the input (kebab-case) the user has to fix. */
export class UsageError extends Error {
  override name = 'UsageError';
  readonly input: string | undefined;
  constructor(message: string, input?: string) {
    // Named once: not `x: input 'x' is …` when the message already names the input.
    const named = !input || message.startsWith(input) || message.startsWith(`input '${input}'`);
    super(named ? message : `${input}: ${message}`);
    this.input = input;
  }
}

/** A config file that cannot be used: broken syntax, missing or mistyped field, unknown enum value. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly file: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly field: string | undefined;
  /** `file` is shown as given (relative paths stay relative); message is the bare reason. */
  constructor(opts: { file: string; line?: number; column?: number; field?: string; message: string }) {
    const where = opts.line ? `${opts.file}:${opts.line}` : opts.file;
    super(`${where}: ${opts.field ? `${opts.field}: ` : ''}${opts.message}`);
    this.file = opts.file;
    this.line = opts.line;
    this.column = opts.column;
    this.field = opts.field;
    this.reason = opts.message;
  }
  readonly reason: string;
}

/** The action ran and failed (deployment Failed, smoke assertions failed, ...). Exit code 1. */
export class ActionFailure extends Error {
  override name = 'ActionFailure';
}

/** True for errors that mean "bad input, nothing was done" (exit code 2). */
export function isInputError(err: unknown): err is UsageError | ConfigError {
  return err instanceof UsageError || err instanceof ConfigError;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}
