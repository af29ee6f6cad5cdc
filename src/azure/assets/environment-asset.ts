// An environment reference → the environmentId a deployment sends. References are resolved (`@latest` via
// the newest created version) and checked to exist; curated `azureml:AzureML-...` ids and registry ids are
// sent verbatim. An inline environment becomes a version: anonymous `CliV2AnonymousEnvironment/<§7 hash>`
// or the named one. An existing version is reused only when its content is identical; a PUT never changes
// an existing version's content (asset versions are immutable).

import type { ComputeKind, EnvironmentRef, InlineEnvironment } from '../../config/spec.ts';
import { UsageError } from '../../errors.ts';
import { assetVersionId } from '../bodies/arm-ids.ts';
import {
  ANONYMOUS_ENVIRONMENT_NAME,
  anonymousEnvironmentVersion,
  environmentVersionBody,
  md5,
} from '../bodies/environment-version.ts';
import type { EnvironmentVersionBody } from '../bodies/types.ts';
import type { AzureWorkspace } from '../workspace.ts';
import {
  type AssetCallOptions,
  assetPath,
  getAssetVersion,
  latestAssetVersion,
  nextAssetVersion,
} from './asset-versions.ts';

export type PlannedEnvironment =
  /** A reference: nothing to create. */
  | { kind: 'reference'; environmentId: string; label: string }
  /** A version made from an inline environment; `exists` = reuse, else create it. */
  | {
      kind: 'version';
      name: string;
      version: string;
      environmentId: string;
      label: string;
      anonymous: boolean;
      exists: boolean;
      body: EnvironmentVersionBody;
    };

const INPUT = 'environment';

export async function planEnvironment(
  ws: AzureWorkspace,
  ref: EnvironmentRef,
  computeKind: ComputeKind,
  opts: AssetCallOptions = {},
): Promise<PlannedEnvironment> {
  switch (ref.kind) {
    case 'version': {
      const found = await getAssetVersion(ws, 'environments', ref.name, ref.version, opts);
      if (!found) {
        throw new UsageError(
          `environment ${ref.name}:${ref.version} does not exist in workspace ${ws.ref.workspaceName}`,
          INPUT,
        );
      }
      return {
        kind: 'reference',
        environmentId: assetVersionId(ws.path, 'environments', ref.name, ref.version),
        label: `azureml:${ref.name}:${ref.version}`,
      };
    }
    case 'latest': {
      const latest = await latestAssetVersion(ws, 'environments', ref.name, opts);
      if (!latest) {
        throw new UsageError(
          `environment ${ref.name}@latest: the workspace ${ws.ref.workspaceName} has no version of it`,
          INPUT,
        );
      }
      return {
        kind: 'reference',
        environmentId: assetVersionId(ws.path, 'environments', ref.name, latest.name),
        label: `azureml:${ref.name}:${latest.name} (@latest)`,
      };
    }
    case 'curated':
      // The service expands curated names itself (the SDK sends them with the prefix, literally).
      return { kind: 'reference', environmentId: ref.id, label: ref.id };
    case 'arm-id':
      return { kind: 'reference', environmentId: ref.id, label: ref.id };
    case 'registry':
      if (computeKind === 'kubernetes') {
        throw new UsageError(
          `${ref.uri}: registry environments are not supported for Kubernetes deployments`,
          INPUT,
        );
      }
      return { kind: 'reference', environmentId: ref.uri, label: ref.uri };
    case 'inline':
      return planInlineEnvironment(ws, ref, opts);
  }
}

async function planInlineEnvironment(
  ws: AzureWorkspace,
  env: InlineEnvironment,
  opts: AssetCallOptions,
): Promise<PlannedEnvironment> {
  if (!env.image && !env.build)
    throw new UsageError('an inline environment needs an image or a build context', INPUT);
  if (env.image && env.build)
    throw new UsageError('an environment has either an image or a build context, not both', INPUT);
  if (env.build && !/^(https?|azureml):\/\//i.test(env.build.path)) {
    throw new UsageError(
      `build context ${env.build.path}: uploading a local Docker build context is not supported; register the environment (az ml environment create) and reference it as azureml:NAME:VERSION, or give the context as a URL`,
      INPUT,
    );
  }
  const anonymous = env.name === undefined;
  const body = environmentVersionBody(env, anonymous);
  const version = async (): Promise<{ name: string; version: string; exists: boolean }> => {
    if (anonymous) {
      const seed = env.image ?? md5(env.build?.path ?? '');
      const v = env.build?.dockerfilePath
        ? anonymousEnvironmentVersion(seed, env.build.dockerfilePath)
        : anonymousEnvironmentVersion(seed, body.properties.condaFile);
      const found = await getAssetVersion(ws, 'environments', ANONYMOUS_ENVIRONMENT_NAME, v, opts);
      if (found) assertIdentical(ANONYMOUS_ENVIRONMENT_NAME, v, found.properties, body);
      return { name: ANONYMOUS_ENVIRONMENT_NAME, version: v, exists: found !== undefined };
    }
    const name = env.name ?? '';
    if (env.version !== undefined) {
      const found = await getAssetVersion(ws, 'environments', name, env.version, opts);
      if (found) assertIdentical(name, env.version, found.properties, body);
      return { name, version: env.version, exists: found !== undefined };
    }
    // No version: reuse the latest when identical, else take the container's next version.
    const latest = await latestAssetVersion(ws, 'environments', name, opts);
    if (latest && sameContent(latest.properties, body)) return { name, version: latest.name, exists: true };
    return { name, version: await nextAssetVersion(ws, 'environments', name, opts), exists: false };
  };
  const chosen = await version();
  return {
    kind: 'version',
    ...chosen,
    environmentId: assetVersionId(ws.path, 'environments', chosen.name, chosen.version),
    label: anonymous ? `anonymous environment ${chosen.version}` : `azureml:${chosen.name}:${chosen.version}`,
    anonymous,
    body,
  };
}

/** PUTs the planned environment version when it does not exist yet. Returns true when it was created. */
export async function createEnvironmentVersion(
  ws: AzureWorkspace,
  planned: PlannedEnvironment,
  opts: AssetCallOptions = {},
): Promise<boolean> {
  if (planned.kind !== 'version' || planned.exists) return false;
  await ws.client.put(assetPath(ws, 'environments', planned.name, planned.version), {
    body: planned.body,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.deadline !== undefined ? { deadline: opts.deadline } : {}),
  });
  return true;
}

/** The fields that make an environment what it is (description and tags may differ). */
function contentOf(properties: Record<string, unknown>) {
  const build = properties.build as { contextUri?: string; dockerfilePath?: string } | undefined;
  return {
    image: properties.image ?? undefined,
    condaFile: properties.condaFile ?? undefined,
    contextUri: build?.contextUri ?? undefined,
    dockerfilePath: build?.dockerfilePath ?? undefined,
    osType: String(properties.osType ?? 'Linux').toLowerCase(),
  };
}

function sameContent(existing: Record<string, unknown>, body: EnvironmentVersionBody): boolean {
  return JSON.stringify(contentOf(existing)) === JSON.stringify(contentOf(body.properties));
}

function assertIdentical(
  name: string,
  version: string,
  existing: Record<string, unknown>,
  body: EnvironmentVersionBody,
): void {
  if (sameContent(existing, body)) return;
  const a = contentOf(existing);
  const b = contentOf(body.properties);
  const differs = (Object.keys(a) as (keyof typeof a)[]).filter((k) => a[k] !== b[k]);
  throw new UsageError(
    `environment ${name}:${version} already exists with a different ${differs.join(', ')}; asset versions are immutable: give the environment a new version`,
    INPUT,
  );
}
