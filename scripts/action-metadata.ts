// Renders each action's action.yml from its definition, so inputs, defaults and outputs live in one place
// (the code). scripts/build.mjs writes them; test/metadata.test.ts fails when a committed file differs.

import { stringify } from 'yaml';
import { loadAllActions } from '../src/actions/all-actions.ts';
import type { AnyAction } from '../src/actions/shared/action-definition.ts';
import type { InputDefs, OutputDefs } from '../src/actions/shared/define-inputs.ts';

export interface ActionYml {
  /** Path of the action.yml relative to the repository root. */
  file: string;
  text: string;
}

export function renderActionYml(def: AnyAction): ActionYml {
  const isRoot = def.name === 'pipeline';
  const inputs: Record<string, Record<string, unknown>> = {};
  for (const [name, d] of Object.entries(def.inputs as InputDefs)) {
    inputs[name] = {
      description: d.description,
      required: d.required === true,
      ...(d.default !== undefined ? { default: d.default } : {}),
      ...(d.runnerDefault !== undefined ? { default: d.runnerDefault } : {}),
    };
  }
  const outputs: Record<string, Record<string, unknown>> = {};
  for (const [name, d] of Object.entries(def.outputs as OutputDefs))
    outputs[name] = { description: d.description };
  const distPrefix = isRoot ? 'dist' : '../dist';
  const doc = {
    name: `Azure ML: ${def.title}`,
    description: def.description,
    author: 'azureml-deploy',
    branding: { icon: 'cloud', color: 'blue' },
    inputs,
    outputs,
    runs: {
      using: 'node24',
      main: `${distPrefix}/${def.name}/index.js`,
      ...(def.post ? { post: `${distPrefix}/${def.name}/index.js`, 'post-if': 'cancelled()' } : {}),
    },
  };
  const header =
    '# Generated from the action definition in src/actions by `npm run build`; edit the code, not this file.\n';
  return {
    file: isRoot ? 'action.yml' : `${def.name}/action.yml`,
    text: header + stringify(doc, { lineWidth: 0 }),
  };
}

export async function renderAllActionYml(): Promise<ActionYml[]> {
  return (await loadAllActions()).map(renderActionYml);
}

const START = '<!-- generated:inputs-outputs:start -->';
const END = '<!-- generated:inputs-outputs:end -->';

/** The inputs and outputs tables of an action's README, from its definition. */
export function renderInputsOutputs(def: AnyAction): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const rows = Object.entries(def.inputs as InputDefs).map(
    ([name, d]) =>
      `| \`${name}\` | ${d.required ? 'yes' : ''} | ${(d.default ?? d.runnerDefault) !== undefined ? `\`${d.default ?? d.runnerDefault}\`` : ''} | ${cell(d.description)} |`,
  );
  const outs = Object.entries(def.outputs as OutputDefs).map(
    ([name, d]) => `| \`${name}\` | ${cell(d.description)} |`,
  );
  return [
    START,
    '',
    '### Inputs',
    '',
    '| input | required | default | description |',
    '|---|---|---|---|',
    ...rows,
    '',
    '### Outputs',
    '',
    '| output | description |',
    '|---|---|',
    ...outs,
    '',
    END,
  ].join('\n');
}

/** Replaces the generated block of a README (between the markers); the README must contain them. */
export function updateReadme(text: string, def: AnyAction, file: string): string {
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${file} lacks the ${START} … ${END} markers`);
  return text.slice(0, a) + renderInputsOutputs(def) + text.slice(b + END.length);
}

export function readmeFile(def: AnyAction): string {
  return def.name === 'pipeline' ? 'docs/pipeline.md' : `${def.name}/README.md`;
}
