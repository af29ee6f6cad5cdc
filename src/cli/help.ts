// `azureml-deploy --help` and `azureml-deploy <action> --help`: usage, and an action's inputs and outputs
// rendered from the same definitions action.yml is generated from (scripts/action-metadata.ts), so the CLI's
// help, action.yml and the READMEs cannot disagree. Nothing here loads an action: the caller hands in the one
// that was asked for.

import type { AnyAction } from '../actions/shared/action-definition.ts';
import type { InputDefs, OutputDefs } from '../actions/shared/define-inputs.ts';
import { isBooleanSchema } from '../actions/shared/input-types.ts';

const WIDTH = 100;

/** The top-level usage: the grammar, the actions by name, the CLI's own flags. */
export function usage(actionNames: readonly string[]): string {
  return `usage: azureml-deploy <action> [--<input-name> value | --<input-name>=value | --<boolean-input>] ...
       azureml-deploy <action> --help      the action's inputs (descriptions, defaults) and outputs
       azureml-deploy demo [--keep]

actions:
${[...actionNames, 'demo']
  .map((name) => `  ${name.padEnd(20)}${ACTION_BLURBS[name] ?? ''}`.trimEnd())
  .join('\n')}

Inputs are the action's inputs (as in its action.yml); INPUT_<NAME> environment variables work too, flags win.
--summary-file FILE writes the job summary there (default: $GITHUB_STEP_SUMMARY, else stderr).
Outputs are printed last on stdout as name=value. Exit codes: 0 success, 1 failed, 2 bad usage or input.
`;
}

/**
 * One line per action for the top-level help. The action's own title and description stay in its definition;
 * these only point the way, so `--help` loads no action (bench/cold-start measures `cli --help`).
 */
const ACTION_BLURBS: Record<string, string> = {
  'register-model': 'register a model file or folder as a new version (reused when identical)',
  'deploy-model': 'deploy a model with its entry script to an online endpoint or this machine',
  'smoke-test-service': 'send requests to a scoring service and check the answers and latency',
  'delete-service': 'delete a deployment, an endpoint, stale preview endpoints, model versions',
  pipeline: 'register → deploy → smoke test → (delete) in one step (the root action)',
  demo: 'the whole pipeline on this machine with the bundled example model',
};

/** `<action> --help`: title, description, every input with its default, the CLI flags, the outputs. */
export function actionHelp(def: AnyAction): string {
  const out: string[] = [
    `usage: azureml-deploy ${def.name} [--<input-name> value ...] [--summary-file FILE]`,
    '',
    ...wrap(`${def.title}: ${def.description}`, 0),
    '',
    'inputs (also INPUT_<NAME> environment variables; flags win):',
  ];
  for (const [name, d] of Object.entries(def.inputs as InputDefs)) {
    const boolean = isBooleanSchema(d.schema);
    const notes: string[] = [];
    if (d.required) notes.push('required');
    if (d.default !== undefined) notes.push(`default: ${d.default === '' ? '""' : d.default}`);
    else if (d.runnerDefault !== undefined) notes.push(`default in an action step: ${d.runnerDefault}`);
    if (d.secret) notes.push('secret: redacted in all output');
    out.push(
      `  --${name}${boolean ? ' [true|false]' : ' <value>'}${notes.length ? `   (${notes.join('; ')})` : ''}`,
    );
    out.push(...wrap(d.description, 6));
  }
  out.push(
    '',
    'CLI flags:',
    '  --summary-file <file>',
    ...wrap('Write the job summary (Markdown) there; default: $GITHUB_STEP_SUMMARY, else stderr.', 6),
    '  --help, -h',
    ...wrap('Print this help and exit.', 6),
    '',
    'outputs (printed last on stdout, one name=value line each):',
  );
  for (const [name, d] of Object.entries(def.outputs as OutputDefs)) {
    out.push(`  ${name}`, ...wrap(d.description, 6));
  }
  out.push('', 'Exit codes: 0 success, 1 the action failed, 2 bad usage or input (nothing was done).', '');
  return out.join('\n');
}

export const DEMO_HELP = `usage: azureml-deploy demo [--keep]

The whole pipeline on this machine: registers the bundled example model (examples/demo) in a temporary
local registry, deploys its entry script on the local target, waits until it is Healthy, smoke tests it
with 20 requests and an expected response, prints the report and deletes it. No Azure account, no
network; needs python3 on PATH.

options:
  --keep       leave the service running (its scoring URI and state folder are printed)
  --help, -h   print this help and exit

Exit codes: 0 success, 1 a step failed, 2 bad usage.
`;

/** True when the arguments ask for help (`--help` or `-h` anywhere). */
export function wantsHelp(args: readonly string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}

function wrap(text: string, indent: number): string[] {
  const pad = ' '.repeat(indent);
  const lines: string[] = [];
  let current = '';
  for (const word of text.replace(/\s+/g, ' ').trim().split(' ')) {
    if (current && pad.length + current.length + 1 + word.length > WIDTH) {
      lines.push(pad + current);
      current = word;
    } else {
      current = current ? `${current} ${word}` : word;
    }
  }
  if (current) lines.push(pad + current);
  return lines;
}
