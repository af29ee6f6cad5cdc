// The CLI's flag grammar (ACTIONS.md): `--name value`, `--name=value`, bare `--flag` for booleans.

import type { InputDefs } from '../actions/shared/define-inputs.ts';
import { isBooleanSchema } from '../actions/shared/input-types.ts';
import { UsageError } from '../errors.ts';
import { clip } from '../io/clip.ts';
import { closestName } from '../io/suggest.ts';

export interface ParsedArgs {
  inputs: Map<string, string>;
  summaryFile?: string;
}

/** Flags the CLI itself understands, beside the action's inputs. */
const CLI_FLAGS = new Set(['summary-file']);

/**
 * `az ml online-deployment create` spellings, for actions that have the input and no input of that name:
 * `--name` is the deployment's name there.
 */
const AZ_ML_ALIASES: Record<string, string> = { name: 'deployment-name' };

function aliasOf(flag: string, defs: InputDefs): string | undefined {
  const target = Object.hasOwn(AZ_ML_ALIASES, flag) ? AZ_ML_ALIASES[flag] : undefined;
  return target && !Object.hasOwn(defs, flag) && Object.hasOwn(defs, target) ? target : undefined;
}

/**
 * Multiline inputs a flag may give several times, or with several values, as `az ml … --set a=1 b=2`: the
 * values become the input's lines, in order.
 */
const REPEATABLE = new Set(['set']);

export function parseArgs(args: readonly string[], defs: InputDefs): ParsedArgs {
  const inputs = new Map<string, string>();
  let summaryFile: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--') || arg === '--') {
      throw new UsageError(`unexpected argument '${clip(arg)}' (inputs are given as --<input-name> value)`);
    }
    const eq = arg.indexOf('=');
    const written = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const name = aliasOf(written, defs) ?? written;
    // Own keys only: `--constructor` or `--toString=x` must not find Object.prototype's members.
    const def = Object.hasOwn(defs, name) ? defs[name] : undefined;
    if (!def && !CLI_FLAGS.has(name)) {
      throw new UsageError(`unknown flag '--${clip(name)}'${suggest(name, Object.keys(defs))}`);
    }
    let value: string;
    if (eq >= 0) {
      value = arg.slice(eq + 1);
    } else if (def && isBooleanSchema(def.schema)) {
      const next = args[i + 1];
      if (next !== undefined && /^(true|false)$/i.test(next)) {
        value = next;
        i++;
      } else {
        value = 'true';
      }
    } else {
      const next = args[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        throw new UsageError(`flag '--${name}' needs a value`, name);
      }
      value = next;
      i++;
    }
    if (REPEATABLE.has(name)) {
      // `--set a=1 b=2`: the words after the value that are not flags belong to it.
      const more: string[] = [];
      while (i + 1 < args.length && !args[i + 1]!.startsWith('--')) more.push(args[++i]!);
      const previous = inputs.get(name);
      value = [...(previous !== undefined ? [previous] : []), value, ...more].join('\n');
    }
    if (name === 'summary-file') summaryFile = value;
    else inputs.set(name, value);
  }
  return summaryFile === undefined ? { inputs } : { inputs, summaryFile };
}

function suggest(name: string, known: string[]): string {
  const best = closestName(name, known, 3);
  return best !== undefined ? ` (did you mean '--${best}'?)` : '';
}

/** Reads INPUT_<NAME> as a runner sets it (`INPUT_MODEL-NAME`), also `INPUT_MODEL_NAME`. */
export function inputFromEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const upper = name.toUpperCase();
  return env[`INPUT_${upper}`] ?? env[`INPUT_${upper.replace(/-/g, '_')}`];
}
