// az ml model YAML (`az ml model create --file model.yml`) and the inline `model: {path: ...}` of a
// deployment. Versions go through Python's str() (`1.10` is "1.1"), the type through lower(), local
// paths resolve against the YAML file's folder, URIs are kept.

import path from 'node:path';
import { z } from 'zod';
import { type LoadContext, lowerEnum, stringMap, withPythonStrings } from './field-schemas.ts';
import { ignored, type KnownKeys, knownKeys, noteUnknownKeys, silent } from './known-keys.ts';
import { isUri, pathKind } from './local-paths.ts';
import { parseWithSchema } from './schema-issues.ts';
import { readSourceFile, type SourceFile } from './source-file.ts';
import type { ConfigNote, ModelSpec, ModelType } from './spec.ts';

export const MODEL_KEYS: KnownKeys = {
  $schema: silent,
  ...knownKeys('name', 'version', 'type', 'path', 'description', 'tags', 'properties'),
  flavors: ignored('flavors is not sent by this tool; ignored', 'info'),
  datastore: ignored('datastore is not used: uploads go to the workspace default datastore', 'info'),
  id: silent,
  job_name: silent,
  latest_version: silent,
  creation_context: silent,
  utc_time_created: silent,
};

/** Remote model locations kept verbatim: `azureml://`, `https://`, `wasbs://`, `runs:/`, `models:/`. */
export function isModelUri(text: string): boolean {
  return isUri(text) || /^(?:runs|models):\//.test(text);
}

export interface ModelFields {
  name?: string;
  version?: string;
  type?: ModelType;
  /** absolute local path or a URI */
  path: string;
  description?: string;
  tags?: Record<string, string>;
  properties?: Record<string, string>;
}

/**
 * The fields of a model mapping. `inline`: a deployment's `model: {...}`, whose path must be local
 * (the SDK hashes it for anonymous registration) and whose name is optional.
 */
export function modelFieldsSchema(ctx: LoadContext, opts: { inline: boolean }) {
  const { source } = ctx;
  return z.preprocess(
    withPythonStrings(ctx, ['version']),
    z
      .object({
        name: opts.inline ? z.string().min(1).optional() : z.string().min(1),
        version: z.string().min(1).optional(),
        type: lowerEnum(['custom_model', 'mlflow_model', 'triton_model']).optional(),
        path: z.string().min(1),
        description: z.string().optional(),
        tags: stringMap(ctx).optional(),
        properties: stringMap(ctx).optional(),
      })
      .transform((m, zctx): ModelFields => {
        let modelPath = m.path;
        if (isModelUri(m.path)) {
          if (opts.inline) {
            zctx.addIssue({
              code: 'custom',
              path: ['path'],
              message:
                'an inline model needs a local path; register the model and write azureml:NAME:VERSION',
            });
          }
        } else {
          modelPath = path.resolve(source.dir, m.path);
          const kind = pathKind(modelPath);
          if (!kind) {
            zctx.addIssue({
              code: 'custom',
              path: ['path'],
              message: `no such file or folder: ${source.displayPath(m.path)}`,
            });
          } else if (kind === 'file' && m.type === 'mlflow_model') {
            zctx.addIssue({
              code: 'custom',
              path: ['path'],
              message: 'an mlflow_model must be a folder (with an MLmodel file)',
            });
          }
        }
        const out: ModelFields = { path: modelPath };
        if (m.name !== undefined) out.name = m.name;
        if (m.version !== undefined) out.version = m.version;
        if (m.type !== undefined) out.type = m.type;
        if (m.description !== undefined) out.description = m.description;
        if (m.tags !== undefined) out.tags = m.tags;
        if (m.properties !== undefined) out.properties = m.properties;
        return out;
      }),
  );
}

/** An az ml model YAML file. */
export function loadV2Model(file: string, notes: ConfigNote[] = []): ModelSpec {
  return modelFromSource(readSourceFile(file), notes);
}

/** From an already parsed file. */
export function modelFromSource(source: SourceFile, notes: ConfigNote[] = []): ModelSpec {
  noteUnknownKeys(source, MODEL_KEYS, notes);
  const m = parseWithSchema(modelFieldsSchema({ source, notes }, { inline: false }), source);
  const spec: ModelSpec = {
    name: m.name ?? '',
    type: m.type ?? 'custom_model',
    path: m.path,
    tags: m.tags ?? {},
    properties: m.properties ?? {},
    origin: { file: source.file },
  };
  if (m.version !== undefined) spec.version = m.version;
  if (m.description !== undefined) spec.description = m.description;
  return spec;
}
