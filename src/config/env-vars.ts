// Environment variable rules shared by the YAML loaders and the `environment-variables` input. No zod here:
// the input parsers load this at start-up.

import { clip } from '../io/clip.ts';

/** POSIX-portable environment variable names, as a container's environment takes them. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A value larger than this is data, not configuration (and would bloat every request to the service). */
export const MAX_ENV_VALUE_CHARS = 32 * 1024;

/** What is wrong with an environment variable (name, value), or undefined. */
export function envVarProblem(name: string, value: string): string | undefined {
  if (!ENV_NAME.test(name)) {
    return `'${clip(name)}' is not a valid environment variable name (letters, digits and _, not starting with a digit)`;
  }
  if (value.length > MAX_ENV_VALUE_CHARS) {
    return `the value of ${clip(name)} is ${value.length} characters; at most ${MAX_ENV_VALUE_CHARS} are allowed`;
  }
  return undefined;
}
