// v1 inferenceconfig (JSON, or YAML as MLOpsPython wrote it) → code configuration + environment.
// Both generations are read: the 2019 flat keys and the embedded `environment`, which exclude each other.
// v1 resolved paths against the current directory; we resolve them against the config file's folder.

import path from 'node:path';
import { z } from 'zod';
import { isPlainObject, type LoadContext, parseNested, truthy, withPythonStrings } from './field-schemas.ts';
import { ignored, type KnownKeys, knownKeys, mappingOf, noteUnknownKeys } from './known-keys.ts';
import { pathKind } from './local-paths.ts';
import { parseWithSchema } from './schema-issues.ts';
import { readSourceFile, type SourceFile } from './source-file.ts';
import type { CodeConfiguration, ConfigNote, EnvironmentRef } from './spec.ts';
import {
  fromLegacyKeys,
  LEGACY_KEYS,
  V1_ENVIRONMENT_KEYS,
  V1_REGISTRY_KEYS,
  V1EnvironmentTranslation,
  v1EnvironmentSchema,
} from './v1-environment.ts';

export const V1_INFERENCE_KEYS: KnownKeys = {
  ...knownKeys('entryScript', 'sourceDirectory', 'description', 'schemaFile', 'dependencies', ...LEGACY_KEYS),
  environment: mappingOf(V1_ENVIRONMENT_KEYS),
  baseImageRegistry: V1_REGISTRY_KEYS,
  extraDockerFileSteps: ignored(
    "is the docs' spelling: v1 read extraDockerfileSteps (lower-case f) and silently ignored this key; ignored here too",
  ),
};

/** What an inferenceconfig says, in v2 terms. */
export interface V1InferenceConfig {
  code: CodeConfiguration;
  environment?: EnvironmentRef;
  /** From the embedded environment's environmentVariables (v2 sets them on the deployment). */
  environmentVariables: Record<string, string>;
  description?: string;
}

const RELATIVE_HINT = "(v1 paths are resolved against the config file's folder)";

function inferenceSchema(ctx: LoadContext) {
  const { source } = ctx;
  return z.preprocess(
    withPythonStrings(ctx, ['cudaVersion']),
    z
      .object({
        entryScript: z.string().nullish(),
        sourceDirectory: z.string().nullish(),
        environment: z.unknown().nullish(),
        runtime: z.string().nullish(),
        condaFile: z.string().nullish(),
        extraDockerfileSteps: z.string().nullish(),
        enableGpu: z.boolean().nullish(),
        cudaVersion: z.string().nullish(),
        baseImage: z.string().nullish(),
        baseImageRegistry: z
          .object({
            address: z.string().nullish(),
            username: z.string().nullish(),
            password: z.string().nullish(),
          })
          .nullish(),
        description: z.string().nullish(),
        schemaFile: z.unknown().nullish(),
        dependencies: z.unknown().nullish(),
      })
      .transform((c, zctx): V1InferenceConfig => {
        const issue = (at: (string | number)[], message: string) =>
          zctx.addIssue({ code: 'custom', path: at, message });
        if (!c.entryScript) {
          issue(['entryScript'], 'is required');
          return z.NEVER;
        }
        if (!c.entryScript.endsWith('.py')) issue(['entryScript'], 'must be a Python file (.py)');

        // The code folder: sourceDirectory, or the entry script's own folder when there is none.
        let codeDir: string;
        let scoringScript: string;
        let shownCode: string;
        if (c.sourceDirectory) {
          codeDir = path.resolve(source.dir, c.sourceDirectory);
          shownCode = source.displayPath(c.sourceDirectory);
          if (pathKind(codeDir) !== 'folder') {
            issue(['sourceDirectory'], `folder not found: ${shownCode} ${RELATIVE_HINT}`);
            return z.NEVER;
          }
          const script = path.resolve(codeDir, c.entryScript);
          const relative = path.relative(codeDir, script);
          scoringScript = relative;
          if (relative.startsWith('..') || path.isAbsolute(relative))
            issue(['entryScript'], 'must be inside sourceDirectory');
          else if (pathKind(script) !== 'file') {
            issue(['entryScript'], `file not found: ${path.join(shownCode, c.entryScript)} ${RELATIVE_HINT}`);
          }
        } else {
          const script = path.resolve(source.dir, c.entryScript);
          if (pathKind(script) !== 'file') {
            issue(['entryScript'], `file not found: ${source.displayPath(c.entryScript)} ${RELATIVE_HINT}`);
            return z.NEVER;
          }
          codeDir = path.dirname(script);
          scoringScript = path.basename(script);
          shownCode = path.dirname(source.displayPath(c.entryScript));
        }

        const translation = new V1EnvironmentTranslation(
          ctx,
          c.sourceDirectory
            ? { baseDir: codeDir, shownBase: shownCode }
            : { baseDir: source.dir, shownBase: path.dirname(source.file) },
          issue,
        );
        if (!path.isAbsolute(c.sourceDirectory || c.entryScript)) {
          translation.note(
            'info',
            [c.sourceDirectory ? 'sourceDirectory' : 'entryScript'],
            `resolved against the config file's folder (v1 used the current directory): code folder ${shownCode}`,
          );
        }

        const legacyGiven = LEGACY_KEYS.filter((key) => truthy(c[key]));
        let environment: EnvironmentRef | undefined;
        let environmentVariables: Record<string, string> = {};
        if (typeof c.environment === 'string') {
          if (legacyGiven.length > 0) {
            translation.note(
              'warning',
              ['environment'],
              `names a registered environment, so ${legacyGiven.join(', ')} ${legacyGiven.length > 1 ? 'are' : 'is'} ignored (v1 rejects them next to environment)`,
            );
          }
          environment = translation.fromName(['environment'], c.environment);
        } else if (isPlainObject(c.environment)) {
          for (const key of legacyGiven) {
            issue(
              [key],
              'cannot be combined with environment (v1 allows only entryScript, sourceDirectory and description next to it)',
            );
          }
          const fields = parseNested(v1EnvironmentSchema(ctx), c.environment, zctx, ['environment']);
          const result = translation.fromObject(['environment'], fields);
          environment = result.environment;
          environmentVariables = result.environmentVariables;
        } else if (c.environment !== undefined && c.environment !== null) {
          issue(
            ['environment'],
            'expected a mapping (an Azure ML environment) or the name of a registered environment',
          );
        } else {
          environment = fromLegacyKeys(translation, c);
        }

        for (const key of ['schemaFile', 'dependencies'] as const) {
          if (truthy(c[key]))
            translation.note('info', [key], 'is obsolete (the v1 CLI never read it); ignored');
        }

        const out: V1InferenceConfig = {
          code: { code: { kind: 'path', path: codeDir }, scoringScript },
          environmentVariables,
        };
        if (environment) out.environment = environment;
        if (c.description) out.description = c.description;
        return out;
      }),
  );
}

/** A v1 inferenceconfig (JSON or YAML). Translation notes are added to `notes`. */
export function loadV1InferenceConfig(file: string, notes: ConfigNote[] = []): V1InferenceConfig {
  return inferenceConfigFromSource(readSourceFile(file), notes);
}

/** From an already parsed file. */
export function inferenceConfigFromSource(source: SourceFile, notes: ConfigNote[] = []): V1InferenceConfig {
  noteUnknownKeys(source, V1_INFERENCE_KEYS, notes, [], 'unknown key, ignored (v1 ignored it too)');
  return parseWithSchema(inferenceSchema({ source, notes }), source);
}
