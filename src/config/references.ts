// Model, environment and code references as az ml v2 YAML writes them (`azureml:name:version`,
// `azureml:name@latest`, `azureml:/subscriptions/...`, `azureml://registries/...`) and as action inputs
// write them (also `name:version`, `name@latest`, or a local path), plus endpoint/deployment name rules.

import path from 'node:path';
import { ConfigError, UsageError } from '../errors.ts';
import { clip } from '../io/clip.ts';
import { isUri, pathKind } from './local-paths.ts';
import type { CodeRef, EnvironmentRef, ModelRef } from './spec.ts';

/** Where a reference was written: an action input, or a field of a config file. */
export type RefSource =
  | { input: string; cwd?: string }
  | { file: string; line?: number; field?: string; dir: string };

/** `file`: a YAML field (az ml rules); `input`: an action input (shorthands and local paths allowed). */
export type RefMode = 'file' | 'input';

export type RefResult<T> = { ok: true; ref: T } | { ok: false; error: string };

const ok = <T>(ref: T): RefResult<T> => ({ ok: true, ref });
const fail = <T>(error: string): RefResult<T> => ({ ok: false, error });

const PREFIX = 'azureml:';
const NAME_VERSION = /^([^:@/\\\s]+):([^:@/\\\s]+)$/;
const NAME_LABEL = /^([^:@/\\\s]+)@([^:@/\\\s]+)$/;
const SHORT_NAME_VERSION = /^([A-Za-z0-9][A-Za-z0-9._-]*):([A-Za-z0-9][A-Za-z0-9._-]*)$/;
const SHORT_NAME_LABEL = /^([A-Za-z0-9][A-Za-z0-9._-]*)@([A-Za-z0-9._-]+)$/;

type AssetSegment = 'models' | 'environments' | 'codes';

function armIdPattern(segment: AssetSegment): RegExp {
  return new RegExp(
    `^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\\.MachineLearningServices/(?:workspaces|registries)/[^/]+/${segment}/[^/]+/versions/[^/]+$`,
    'i',
  );
}

function registryPattern(segment: AssetSegment): RegExp {
  return new RegExp(
    `^azureml://registries/[^/\\s]+/${segment}/[^/\\s]+/(?:versions/[^/\\s]+|labels/latest)$`,
  );
}

type Prefixed =
  | { kind: 'version'; name: string; version: string }
  | { kind: 'latest'; name: string }
  | { kind: 'arm-id'; id: string }
  | { kind: 'registry'; uri: string };

/** The part every asset kind shares: what follows `azureml:`. */
function readPrefixed(text: string, segment: AssetSegment, what: string): RefResult<Prefixed> {
  if (text.startsWith('azureml://')) {
    if (registryPattern(segment).test(text)) return ok({ kind: 'registry', uri: text });
    return fail(
      `'${text}' is not a registry ${what} (azureml://registries/REGISTRY/${segment}/NAME/versions/VERSION)`,
    );
  }
  const rest = text.slice(PREFIX.length);
  if (rest.startsWith('/')) {
    if (armIdPattern(segment).test(rest)) return ok({ kind: 'arm-id', id: rest });
    return fail(
      `'${text}' is not the ARM id of a ${what} version (/subscriptions/.../${segment}/NAME/versions/VERSION)`,
    );
  }
  const versioned = NAME_VERSION.exec(rest);
  if (versioned) return ok({ kind: 'version', name: versioned[1] ?? '', version: versioned[2] ?? '' });
  const labelled = NAME_LABEL.exec(rest);
  if (labelled) {
    if (labelled[2] !== 'latest') return fail(`label '${labelled[2]}' is not supported (only @latest)`);
    return ok({ kind: 'latest', name: labelled[1] ?? '' });
  }
  if (/^[^:@/\\\s]+$/.test(rest))
    return fail(`'${text}' needs a version: ${PREFIX}${rest}:VERSION or ${PREFIX}${rest}@latest`);
  return fail(`'${text}' is not a ${what} reference (${PREFIX}NAME:VERSION or ${PREFIX}NAME@latest)`);
}

/** A model reference; in `input` mode also `name:version`, `name@latest`, a bare ARM id, or a local path. */
export function readModelRef(text: string, mode: RefMode, baseDir: string): RefResult<ModelRef> {
  const value = text.trim();
  if (value === '') return fail('must not be empty');
  if (value.startsWith(PREFIX)) return readPrefixed(value, 'models', 'model');
  if (mode === 'file') {
    return fail(
      `'${value}' is not a model reference: use azureml:NAME:VERSION, azureml:NAME@latest, azureml:<ARM id> or ` +
        'azureml://registries/...; a local model is written as a mapping {path: ...}',
    );
  }
  const versioned = SHORT_NAME_VERSION.exec(value);
  if (versioned) return ok({ kind: 'version', name: versioned[1] ?? '', version: versioned[2] ?? '' });
  const labelled = SHORT_NAME_LABEL.exec(value);
  if (labelled) {
    if (labelled[2] !== 'latest') return fail(`label '${labelled[2]}' is not supported (only @latest)`);
    return ok({ kind: 'latest', name: labelled[1] ?? '' });
  }
  if (armIdPattern('models').test(value)) return ok({ kind: 'arm-id', id: value });
  const local = path.resolve(baseDir, value);
  if (pathKind(local)) return ok({ kind: 'path', path: local });
  return fail(
    `'${value}' is neither a model reference (NAME:VERSION, NAME@latest, azureml:...) nor an existing file or folder (${local})`,
  );
}

/**
 * An environment reference. Curated `azureml:AzureML-...` names stay literal (the service expands them).
 * In `input` mode, text without `azureml:` is a container image.
 */
export function readEnvironmentRef(text: string, mode: RefMode): RefResult<EnvironmentRef> {
  const value = text.trim();
  if (value === '') return fail('must not be empty');
  if (value.startsWith(PREFIX)) {
    const result = readPrefixed(value, 'environments', 'environment');
    if (result.ok && (result.ref.kind === 'version' || result.ref.kind === 'latest')) {
      if (result.ref.name.startsWith('AzureML-')) return ok({ kind: 'curated', id: value });
    }
    return result;
  }
  if (mode === 'input') {
    if (/\s/.test(value))
      return fail(`'${value}' is neither an environment reference (azureml:...) nor an image`);
    return ok({ kind: 'inline', image: value });
  }
  return fail(
    `'${value}' is not an environment reference: use azureml:NAME:VERSION, azureml:NAME@latest, azureml:<ARM id>, ` +
      'azureml://registries/..., file:<environment YAML> or an inline mapping {image: ...}',
  );
}

/**
 * A code reference. In `file` mode anything that is not a reference is a local path (resolved against
 * baseDir; the caller checks it exists, next to the scoring script). In `input` mode the folder must exist.
 */
export function readCodeRef(text: string, mode: RefMode, baseDir: string): RefResult<CodeRef> {
  const value = text.trim();
  if (value === '') return fail('must not be empty');
  const asRef = (result: RefResult<Prefixed>): RefResult<CodeRef> => {
    if (!result.ok) return result;
    if (result.ref.kind === 'latest')
      return fail(`code has no labels: use ${PREFIX}${result.ref.name}:VERSION`);
    return ok(result.ref);
  };
  if (value.startsWith(PREFIX)) {
    const result = readPrefixed(value, 'codes', 'code');
    if (!result.ok && /needs a version/.test(result.error)) {
      return fail(`'${value}' needs a version: code references are ${PREFIX}NAME:VERSION`);
    }
    return asRef(result);
  }
  if (armIdPattern('codes').test(value)) return ok({ kind: 'arm-id', id: value });
  if (isUri(value)) return fail(`'${value}' is not a code reference or a local folder`);
  const local = path.resolve(baseDir, value);
  if (mode === 'input' && pathKind(local) !== 'folder') {
    return fail(
      `'${value}' is neither a code reference (azureml:NAME:VERSION, ...) nor an existing folder (${local})`,
    );
  }
  return ok({ kind: 'path', path: local });
}

function throwFor(source: RefSource, error: string): never {
  if ('input' in source) throw new UsageError(error, source.input);
  throw new ConfigError({
    file: source.file,
    message: error,
    ...(source.line !== undefined ? { line: source.line } : {}),
    ...(source.field !== undefined ? { field: source.field } : {}),
  });
}

const modeOf = (source: RefSource): RefMode => ('input' in source ? 'input' : 'file');
const baseDirOf = (source: RefSource): string =>
  'input' in source ? (source.cwd ?? process.cwd()) : source.dir;

/** Throws UsageError (naming the input) or ConfigError (naming the file) when the text is not a model. */
export function parseModelRef(text: string, source: RefSource): ModelRef {
  const result = readModelRef(text, modeOf(source), baseDirOf(source));
  return result.ok ? result.ref : throwFor(source, result.error);
}

export function parseEnvironmentRef(text: string, source: RefSource): EnvironmentRef {
  const result = readEnvironmentRef(text, modeOf(source));
  return result.ok ? result.ref : throwFor(source, result.error);
}

export function parseCodeRef(text: string, source: RefSource): CodeRef {
  const result = readCodeRef(text, modeOf(source), baseDirOf(source));
  return result.ok ? result.ref : throwFor(source, result.error);
}

const RESOURCE_NAME = /^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;

/** Endpoint and deployment names: 3-32 characters, a letter first, letters/digits/'-', no '--'. */
export function validateResourceName(kind: 'endpoint' | 'deployment', name: string): string | undefined {
  const what = `'${clip(name)}' is not a valid ${kind} name`;
  if (name.length < 3 || name.length > 32) return `${what}: it must be 3-32 characters long`;
  if (!RESOURCE_NAME.test(name)) {
    return `${what}: it must start with a letter, contain only letters, digits and '-', and end with a letter or digit`;
  }
  if (name.includes('--')) return `${what}: it must not contain '--'`;
  return undefined;
}
