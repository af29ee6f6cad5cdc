// An az ml environment written inline in a deployment (`environment: {image, conda_file, ...}`) or in its
// own YAML file (`environment: file:env.yml`, `az ml environment create --file`). The conda file is read
// and parsed here, relative to the YAML file that names it.

import path from 'node:path';
import { z } from 'zod';
import { isPlainObject, type LoadContext, lowerEnum, stringMap, withPythonStrings } from './field-schemas.ts';
import { ignored, type KnownKeys, knownKeys, mappingOf, noteUnknownKeys, silent } from './known-keys.ts';
import { isUri, pathKind } from './local-paths.ts';
import { parseWithSchema } from './schema-issues.ts';
import { readSourceFile, type SourceFile } from './source-file.ts';
import type { ConfigNote, InlineEnvironment } from './spec.ts';

export const ENVIRONMENT_KEYS: KnownKeys = {
  $schema: silent,
  ...knownKeys('name', 'version', 'description', 'tags', 'image', 'conda_file', 'os_type'),
  build: mappingOf(knownKeys('path', 'dockerfile_path')),
  inference_config: ignored('inference_config is not supported by this tool; ignored'),
  datastore: ignored('datastore is not used: uploads go to the workspace default datastore', 'info'),
  id: silent,
  creation_context: silent,
  latest_version: silent,
};

/** An inline environment mapping (the object must come straight from ctx.source). */
export function inlineEnvironmentSchema(ctx: LoadContext) {
  const { source } = ctx;
  return z.preprocess(
    withPythonStrings(ctx, ['version']),
    z
      .object({
        name: z.string().min(1).optional(),
        version: z.string().min(1).optional(),
        description: z.string().optional(),
        tags: stringMap(ctx).optional(),
        image: z.string().min(1).optional(),
        conda_file: z.unknown().optional(),
        build: z
          .object({ path: z.string().min(1), dockerfile_path: z.string().min(1).optional() })
          .optional(),
        os_type: lowerEnum(['linux', 'windows']).optional(),
        channels: z.unknown().optional(),
        dependencies: z.unknown().optional(),
      })
      .transform((env, zctx): InlineEnvironment => {
        const issue = (at: (string | number)[], message: string) =>
          zctx.addIssue({ code: 'custom', path: at, message });
        if (env.channels !== undefined || env.dependencies !== undefined) {
          issue(
            [env.dependencies !== undefined ? 'dependencies' : 'channels'],
            'this looks like a conda file: put it in conda_file',
          );
        }
        if (env.image !== undefined && env.build !== undefined)
          issue(['build'], 'give either image or build, not both');
        if (env.image === undefined && env.build === undefined)
          issue([], 'needs an image or a build context (build.path)');

        let condaFile: InlineEnvironment['condaFile'];
        if (typeof env.conda_file === 'string') {
          const absolute = path.resolve(source.dir, env.conda_file);
          const shown = source.displayPath(env.conda_file);
          if (pathKind(absolute) !== 'file') issue(['conda_file'], `file not found: ${shown}`);
          else {
            const conda = readSourceFile(shown);
            if (!isPlainObject(conda.value)) {
              throw conda.errorAt([], 'expected a conda environment (a mapping with dependencies)');
            }
            condaFile = { path: absolute, content: conda.value };
          }
        } else if (isPlainObject(env.conda_file)) {
          condaFile = { content: env.conda_file };
        } else if (env.conda_file !== undefined) {
          issue(['conda_file'], 'expected a conda file path or an inline conda mapping');
        }

        let build: InlineEnvironment['build'];
        if (env.build) {
          let buildPath = env.build.path;
          if (!isUri(buildPath)) {
            buildPath = path.resolve(source.dir, env.build.path);
            if (pathKind(buildPath) !== 'folder')
              issue(['build', 'path'], `folder not found: ${source.displayPath(env.build.path)}`);
          }
          build = {
            path: buildPath,
            ...(env.build.dockerfile_path ? { dockerfilePath: env.build.dockerfile_path } : {}),
          };
        }

        const out: InlineEnvironment = { kind: 'inline' };
        if (env.name !== undefined) out.name = env.name;
        if (env.version !== undefined) out.version = env.version;
        if (env.image !== undefined) out.image = env.image;
        if (condaFile) out.condaFile = condaFile;
        if (build) out.build = build;
        if (env.os_type !== undefined) out.osType = env.os_type;
        if (env.description !== undefined) out.description = env.description;
        if (env.tags !== undefined) out.tags = env.tags;
        return out;
      }),
  );
}

/** An az ml environment YAML file (also what `environment: file:env.yml` points at). */
export function loadV2Environment(file: string, notes: ConfigNote[] = []): InlineEnvironment {
  return environmentFromSource(readSourceFile(file), notes);
}

/** From an already parsed file. */
export function environmentFromSource(source: SourceFile, notes: ConfigNote[] = []): InlineEnvironment {
  noteUnknownKeys(source, ENVIRONMENT_KEYS, notes);
  return parseWithSchema(inlineEnvironmentSchema({ source, notes }), source);
}
