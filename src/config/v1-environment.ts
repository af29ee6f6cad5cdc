// The environment of a v1 inferenceconfig, translated to a v2 environment (azureml-v1-config §2.2, §6.2):
// an embedded `environment` object (2020+), a string naming a registered environment (MLOpsPython), or
// the 2019 flat keys (runtime, condaFile, baseImage, enableGpu, cudaVersion).

import path from 'node:path';
import { z } from 'zod';
import {
  addNote,
  envVarMap,
  isPlainObject,
  type LoadContext,
  mapping,
  truthy,
  withPythonStrings,
} from './field-schemas.ts';
import { type KnownKeys, knownKeys, mappingOf, silent } from './known-keys.ts';
import { isUri, pathKind } from './local-paths.ts';
import { readEnvironmentRef } from './references.ts';
import { readSourceFile } from './source-file.ts';
import type { ConfigNote, EnvironmentRef, InlineEnvironment } from './spec.ts';

/** azureml-core's DEFAULT_CPU_IMAGE / DEFAULT_GPU_IMAGE: v2 needs an image where v1 picked one itself. */
export const DEFAULT_CPU_IMAGE = 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest';
export const DEFAULT_GPU_IMAGE = 'mcr.microsoft.com/azureml/openmpi4.1.0-cuda11.3-cudnn8-ubuntu20.04:latest';

const REGISTRY_KEYS = knownKeys('address', 'username', 'password', 'registryIdentity');

export const V1_ENVIRONMENT_KEYS: KnownKeys = {
  ...knownKeys(
    'name',
    'version',
    'environmentVariables',
    'inferencingStackVersion',
    'spark',
    'databricks',
    'r',
  ),
  python: mappingOf(
    knownKeys(
      'userManagedDependencies',
      'interpreterPath',
      'condaDependencies',
      'condaDependenciesFile',
      'baseCondaEnvironment',
    ),
  ),
  docker: mappingOf({
    ...knownKeys(
      'baseImage',
      'baseDockerfile',
      'enabled',
      'sharedVolumes',
      'shmSize',
      'arguments',
      'platform',
      'gpuSupport',
    ),
    buildContext: mappingOf(knownKeys('locationType', 'location', 'dockerfilePath')),
    baseImageRegistry: mappingOf(REGISTRY_KEYS),
  }),
  assetId: silent,
};

export const V1_REGISTRY_KEYS = mappingOf(REGISTRY_KEYS);

const registrySchema = z
  .object({ address: z.string().nullish(), username: z.string().nullish(), password: z.string().nullish() })
  .nullish();

export function v1EnvironmentSchema(ctx: LoadContext) {
  return z.preprocess(
    withPythonStrings(ctx, ['version']),
    z.object({
      name: z.string().nullish(),
      version: z.string().nullish(),
      environmentVariables: envVarMap(ctx, 'empty').nullish(),
      python: z
        .object({
          userManagedDependencies: z.boolean().nullish(),
          interpreterPath: z.string().nullish(),
          condaDependencies: mapping.nullish(),
          condaDependenciesFile: z.string().nullish(),
          baseCondaEnvironment: z.string().nullish(),
        })
        .nullish(),
      docker: z
        .object({
          baseImage: z.string().nullish(),
          baseDockerfile: z.string().nullish(),
          buildContext: z
            .object({
              locationType: z.string().nullish(),
              location: z.string().min(1),
              dockerfilePath: z.string().nullish(),
            })
            .nullish(),
          baseImageRegistry: registrySchema,
          arguments: z.array(z.unknown()).nullish(),
          shmSize: z.string().nullish(),
        })
        .nullish(),
      spark: z.unknown().nullish(),
      databricks: z.unknown().nullish(),
      r: z.unknown().nullish(),
      inferencingStackVersion: z.string().nullish(),
    }),
  );
}

export type V1EnvironmentFields = z.output<ReturnType<typeof v1EnvironmentSchema>>;

/** What the environment part of an inferenceconfig becomes. */
export interface V1EnvironmentResult {
  environment?: EnvironmentRef;
  environmentVariables: Record<string, string>;
}

type Issue = (at: (string | number)[], message: string) => void;

export interface V1Paths {
  /** Where relative conda paths resolve (sourceDirectory, else the config file's folder). */
  baseDir: string;
  /** How that folder is shown in messages. */
  shownBase: string;
}

/** Adds notes and reads conda files for one environment translation. */
export class V1EnvironmentTranslation {
  readonly ctx: LoadContext;
  readonly paths: V1Paths;
  readonly issue: Issue;
  constructor(ctx: LoadContext, paths: V1Paths, issue: Issue) {
    this.ctx = ctx;
    this.paths = paths;
    this.issue = issue;
  }

  note(level: ConfigNote['level'], at: (string | number)[], message: string): void {
    addNote(this.ctx, level, at, message);
  }

  /** Reads a conda file relative to sourceDirectory (or the config folder). */
  condaFile(at: (string | number)[], written: string): InlineEnvironment['condaFile'] | undefined {
    const absolute = path.resolve(this.paths.baseDir, written);
    const shown = path.isAbsolute(written) ? written : path.join(this.paths.shownBase, written);
    if (pathKind(absolute) !== 'file') {
      this.issue(at, `file not found: ${shown}`);
      return undefined;
    }
    const conda = readSourceFile(shown);
    if (!isPlainObject(conda.value))
      throw conda.errorAt([], 'expected a conda environment (a mapping with dependencies)');
    this.warnWithoutInferenceServer(at, conda.value);
    return { path: absolute, content: conda.value };
  }

  /** v1 warned when azureml-defaults was missing; v2 images need an inference server the same way. */
  warnWithoutInferenceServer(at: (string | number)[], conda: Record<string, unknown>): void {
    const deps = Array.isArray(conda['dependencies']) ? conda['dependencies'] : [];
    const pip = deps.flatMap((d) => (isPlainObject(d) && Array.isArray(d['pip']) ? d['pip'] : []));
    const serves = pip.some(
      (p) => typeof p === 'string' && /^(azureml-defaults|azureml-inference-server-http)\b/.test(p),
    );
    if (!serves) {
      this.note(
        'warning',
        at,
        'the conda dependencies have no azureml-defaults or azureml-inference-server-http in pip; the image must bring an inference server',
      );
    }
  }

  /** A string environment: the name of a registered environment (MLOpsPython writes it this way). */
  fromName(at: (string | number)[], text: string, version?: string): EnvironmentRef | undefined {
    const reference = text.startsWith('azureml:')
      ? text
      : `azureml:${text}${version ? `:${version}` : text.includes(':') ? '' : '@latest'}`;
    const result = readEnvironmentRef(reference, 'file');
    if (!result.ok) {
      this.issue(at, result.error);
      return undefined;
    }
    this.note('info', at, `'${text}' is a registered environment: ${reference}`);
    return result.ref;
  }

  /** An embedded v1 Environment object. */
  fromObject(at: (string | number)[], env: V1EnvironmentFields): V1EnvironmentResult {
    const environmentVariables = env.environmentVariables ?? {};
    const other = Object.entries(env).filter(
      ([key, value]) => key !== 'name' && key !== 'version' && value !== undefined && value !== null,
    );
    // Only name/version: a reference to a registered environment (EnvironmentReference in v1).
    if (other.length === 0 && env.name) {
      const environment = this.fromName([...at, 'name'], env.name, env.version ?? undefined);
      return { ...(environment ? { environment } : {}), environmentVariables };
    }

    const docker = env.docker ?? {};
    const python = env.python ?? {};
    const out: InlineEnvironment = { kind: 'inline' };
    if (docker.baseImage && (docker.baseDockerfile || docker.buildContext)) {
      this.issue(
        [...at, 'docker', 'baseImage'],
        'cannot be combined with docker.baseDockerfile or docker.buildContext',
      );
    }
    if (docker.baseDockerfile) {
      this.issue(
        [...at, 'docker', 'baseDockerfile'],
        'an inline Dockerfile is not supported: build and push the image and set docker.baseImage, or use a v2 environment with build',
      );
    }
    if (docker.baseImage) out.image = docker.baseImage;
    if (docker.buildContext) {
      const location = docker.buildContext.location;
      out.build = {
        path: isUri(location) ? location : path.resolve(this.ctx.source.dir, location),
        ...(docker.buildContext.dockerfilePath ? { dockerfilePath: docker.buildContext.dockerfilePath } : {}),
      };
      this.note('info', [...at, 'docker', 'buildContext'], 'becomes the environment build context');
    }
    if (python.userManagedDependencies) {
      this.note(
        'info',
        [...at, 'python', 'userManagedDependencies'],
        'true: the image alone is used, without a conda file',
      );
    } else if (python.condaDependencies) {
      out.condaFile = { content: python.condaDependencies };
      this.warnWithoutInferenceServer([...at, 'python', 'condaDependencies'], python.condaDependencies);
    } else if (python.condaDependenciesFile) {
      const conda = this.condaFile([...at, 'python', 'condaDependenciesFile'], python.condaDependenciesFile);
      if (conda) out.condaFile = conda;
    } else {
      this.note(
        'warning',
        [...at, 'python'],
        "no conda dependencies: v1 used the SDK's default conda spec; the image must bring Python and an inference server",
      );
    }
    if (!out.image && !out.build) {
      out.image = DEFAULT_CPU_IMAGE;
      this.note(
        'info',
        [...at, 'docker'],
        `no base image: ${DEFAULT_CPU_IMAGE} is used (v2 needs an explicit image)`,
      );
    }
    if (env.name || env.version) {
      this.note(
        'info',
        [...at, 'name'],
        'the embedded environment is registered anonymously (v2 versions are immutable; re-using the v1 name and version could collide)',
      );
    }
    if (env.inferencingStackVersion) {
      this.note(
        'info',
        [...at, 'inferencingStackVersion'],
        'has no v2 equivalent: the image and conda file must bring the inference server (azureml-defaults or azureml-inference-server-http)',
      );
    }
    this.noteRegistry([...at, 'docker', 'baseImageRegistry'], docker.baseImageRegistry);
    if (python.interpreterPath && python.interpreterPath !== 'python') {
      this.note('warning', [...at, 'python', 'interpreterPath'], 'has no v2 equivalent; ignored');
    }
    if (docker.arguments?.length || (docker.shmSize && docker.shmSize !== '2g')) {
      this.note(
        'info',
        [...at, 'docker'],
        'arguments and shmSize are training settings with no effect on inference; ignored',
      );
    }
    for (const key of ['spark', 'databricks', 'r'] as const) {
      if (truthy(env[key]))
        this.note('warning', [...at, key], 'has no equivalent for online deployments; ignored');
    }
    return { environment: out, environmentVariables };
  }

  /** Private registry credentials are not carried over (and never shown). */
  noteRegistry(
    at: (string | number)[],
    registry: { username?: string | null; password?: string | null } | null | undefined,
  ): void {
    if (registry?.username || registry?.password) {
      this.note(
        'warning',
        at,
        'registry credentials are not carried over: v2 pulls private images only from an Azure Container Registry the endpoint identity can read',
      );
    }
  }
}

export const LEGACY_KEYS = [
  'runtime',
  'condaFile',
  'extraDockerfileSteps',
  'enableGpu',
  'cudaVersion',
  'baseImage',
] as const;

const CUDA_VERSIONS = ['9.0', '9.1', '10.0'];

export interface V1LegacyFields {
  runtime?: string | null | undefined;
  condaFile?: string | null | undefined;
  extraDockerfileSteps?: string | null | undefined;
  enableGpu?: boolean | null | undefined;
  cudaVersion?: string | null | undefined;
  baseImage?: string | null | undefined;
  baseImageRegistry?: { username?: string | null; password?: string | null } | null | undefined;
}

/** The 2019 flat keys → an inline environment (as v1's convert_parts_to_environment did). */
export function fromLegacyKeys(
  t: V1EnvironmentTranslation,
  legacy: V1LegacyFields,
): EnvironmentRef | undefined {
  if (legacy.runtime && legacy.runtime.toLowerCase() !== 'python') {
    t.issue(
      ['runtime'],
      legacy.runtime.toLowerCase() === 'spark-py'
        ? 'spark-py is not supported by online deployments'
        : `must be python (got '${legacy.runtime}')`,
    );
  }
  if (legacy.cudaVersion && !CUDA_VERSIONS.includes(legacy.cudaVersion)) {
    t.issue(['cudaVersion'], `must be one of ${CUDA_VERSIONS.join(', ')} (got '${legacy.cudaVersion}')`);
  }
  if (legacy.extraDockerfileSteps) {
    t.issue(
      ['extraDockerfileSteps'],
      'extra Dockerfile steps are not supported: build an image FROM the base image with these steps and set baseImage',
    );
  }
  if (!LEGACY_KEYS.some((key) => truthy(legacy[key]))) return undefined;

  const out: InlineEnvironment = { kind: 'inline' };
  const gpu = Boolean(legacy.enableGpu) || Boolean(legacy.cudaVersion);
  if (legacy.baseImage) {
    out.image = legacy.baseImage;
    if (gpu)
      t.note(
        'warning',
        ['enableGpu'],
        'GPU settings are ignored with a custom baseImage (the image decides)',
      );
  } else if (gpu) {
    out.image = DEFAULT_GPU_IMAGE;
    t.note(
      'info',
      [legacy.enableGpu ? 'enableGpu' : 'cudaVersion'],
      `uses the GPU image ${DEFAULT_GPU_IMAGE}; choose a GPU instance type`,
    );
  } else {
    out.image = DEFAULT_CPU_IMAGE;
    addNote(
      t.ctx,
      'info',
      [],
      `no baseImage: ${DEFAULT_CPU_IMAGE} is used (v2 needs an explicit image)`,
      'file',
    );
  }
  if (legacy.condaFile) {
    const conda = t.condaFile(['condaFile'], legacy.condaFile);
    if (conda) out.condaFile = conda;
  }
  t.noteRegistry(['baseImageRegistry'], legacy.baseImageRegistry);
  addNote(
    t.ctx,
    'info',
    [],
    'the 2019 image keys (runtime, condaFile, baseImage, ...) become an inline v2 environment',
    'file',
  );
  return out;
}
