// Inputs (+ an optional az ml model YAML) → the normalized ModelSpec the registries take.

import path from 'node:path';
import type { ModelSpec, ModelType } from '../../config/spec.ts';
import { UsageError } from '../../errors.ts';

export interface ModelInputs {
  'model-name': string | undefined;
  'model-path': string | undefined;
  'model-version': string | undefined;
  'model-type': ModelType | undefined;
  description: string | undefined;
  tags: Record<string, string>;
  properties: Record<string, string>;
  'model-file': string | undefined;
}

const URI = /^(azureml|https?|wasbs?|runs|abfss?):/i;

/** A model path that names remote content (no local folder to read). */
export function isUri(p: string): boolean {
  return URI.test(p);
}

export async function modelSpecFromInputs(inputs: ModelInputs, cwd: string): Promise<ModelSpec> {
  // The YAML loader loads only when a model file is given.
  const fromFile = inputs['model-file']
    ? (await import('../../config/v2-model.ts')).loadV2Model(path.resolve(cwd, inputs['model-file']))
    : undefined;
  const name = inputs['model-name'] ?? fromFile?.name;
  if (!name) throw new UsageError('is required (or give model-file with a name)', 'model-name');
  const rawPath = inputs['model-path'] ?? fromFile?.path;
  if (!rawPath) throw new UsageError('is required (or give model-file with a path)', 'model-path');
  const version = inputs['model-version'] ?? fromFile?.version;
  const description = inputs.description ?? fromFile?.description;
  return {
    name,
    ...(version !== undefined ? { version } : {}),
    type: inputs['model-type'] ?? fromFile?.type ?? 'custom_model',
    path: URI.test(rawPath) || path.isAbsolute(rawPath) ? rawPath : path.resolve(cwd, rawPath),
    ...(description ? { description } : {}),
    tags: { ...fromFile?.tags, ...inputs.tags },
    properties: { ...fromFile?.properties, ...inputs.properties },
    ...(fromFile?.origin ? { origin: fromFile.origin } : {}),
  };
}

/** Provenance GitHub gives every run: recorded as properties so a version says where it came from. */
export function provenanceProperties(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  if (env['GITHUB_SHA']) out['azureml-deploy.commit'] = env['GITHUB_SHA'];
  if (env['GITHUB_REPOSITORY']) out['azureml-deploy.repository'] = env['GITHUB_REPOSITORY'];
  if (env['GITHUB_SERVER_URL'] && env['GITHUB_REPOSITORY'] && env['GITHUB_RUN_ID']) {
    out['azureml-deploy.run_url'] =
      `${env['GITHUB_SERVER_URL']}/${env['GITHUB_REPOSITORY']}/actions/runs/${env['GITHUB_RUN_ID']}`;
  }
  return out;
}
