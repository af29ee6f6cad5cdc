// An inline environment → its environment version body, and the SDK's anonymous naming (yaml reference
// §2.8 and §7): `condaFile` is PyYAML's sorted re-dump of the parsed conda mapping, and an anonymous
// environment is `CliV2AnonymousEnvironment` with a version derived from MD5s of the image and that text.

import { createHash } from 'node:crypto';
import type { InlineEnvironment } from '../../config/spec.ts';
import { pyyamlDump } from '../../pyyaml/dump.ts';
import type { EnvironmentVersionBody } from './types.ts';

export const ANONYMOUS_ENVIRONMENT_NAME = 'CliV2AnonymousEnvironment';

/** The `condaFile` string the SDK sends for a parsed conda file (not the file's own text). */
export function condaFileText(content: unknown): string {
  return pyyamlDump(content);
}

/**
 * The SDK's anonymous environment version: m(m(image)) for an image, m(m(image).join(m(conda))) with a
 * conda file; Python's str.join puts m(image) between every character of m(conda), copied here exactly.
 * For a build context the caller passes the context's own hash in place of the image (§7).
 */
export function anonymousEnvironmentVersion(image: string, conda?: string): string {
  const imageHash = md5(image);
  if (conda === undefined) return md5(imageHash);
  return md5([...md5(conda)].join(imageHash));
}

/** The PUT body of an environment version (yaml reference §2.8 and example 5). */
export function environmentVersionBody(env: InlineEnvironment, anonymous: boolean): EnvironmentVersionBody {
  const p: EnvironmentVersionBody['properties'] = { isAnonymous: anonymous, isArchived: false };
  if (env.image !== undefined) p.image = env.image;
  if (env.condaFile) p.condaFile = condaFileText(env.condaFile.content);
  if (env.build) {
    p.build = {
      contextUri: env.build.path,
      ...(env.build.dockerfilePath ? { dockerfilePath: env.build.dockerfilePath } : {}),
    };
  }
  if (env.osType !== undefined) p.osType = env.osType === 'windows' ? 'Windows' : 'Linux';
  // Sent only when non-empty, as the SDK does.
  if (env.description) p.description = env.description;
  if (env.tags && Object.keys(env.tags).length) p.tags = { ...env.tags };
  return { properties: p };
}

export function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}
