// The key of a local online endpoint with key auth (`auth_mode: key`, Azure's default): generated once per
// endpoint, kept in <localDir>/endpoints/<endpoint>/keys.json (mode 0600) so it stays the same across
// redeploys and is found by later steps (smoke-test-service by endpoint-name), removed with the endpoint.
// The bundled host.py gets it through its environment (SCORING_KEY_ENV) and takes it out of os.environ
// before the user's code runs; POST /score without `Authorization: Bearer <key>` answers 401.

import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { AuthMode } from '../../config/spec.ts';
import { endpointFolder } from './service-state.ts';

/** The variable that hands the key to host.py; host.py removes it before loading the entry script. */
export const SCORING_KEY_ENV = 'AZUREML_LOCAL_SCORING_KEY';

/** Bytes of randomness in a key (Azure's keys are 32 bytes as well); base64url without padding: 43 chars. */
const KEY_BYTES = 32;

/**
 * What a local online endpoint requires for the endpoint's auth_mode. No endpoint file: key, the mode Azure
 * gives a new endpoint and the one this toolkit creates it with, so a workflow that forgets auth fails locally
 * first. aml_token: a key stands in for the token (both are a bearer secret the target looks up). aad_token:
 * nothing (a Microsoft Entra token cannot be checked on this machine); the caller warns.
 */
export function localAuthFor(authMode: AuthMode | undefined): 'key' | 'none' {
  return authMode === 'aad_token' ? 'none' : 'key';
}

export function endpointKeyPath(localDir: string, endpointName: string): string {
  return join(endpointFolder(localDir, endpointName), 'keys.json');
}

export function generateEndpointKey(): string {
  return randomBytes(KEY_BYTES).toString('base64url');
}

interface KeyFile {
  primaryKey: string;
}

/** The endpoint's key; undefined when it has none. Tightens a loosened file mode back to 0600. */
export async function readEndpointKey(localDir: string, endpointName: string): Promise<string | undefined> {
  const path = endpointKeyPath(localDir, endpointName);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let key: unknown;
  try {
    key = (JSON.parse(text) as Partial<KeyFile>).primaryKey;
  } catch {
    key = undefined;
  }
  if (typeof key !== 'string' || key.length < 32) {
    // Never quote the file: it holds a secret.
    throw new Error(`${path} does not hold a valid key; delete the file and redeploy to get a new key`);
  }
  await chmod(path, 0o600);
  return key;
}

/**
 * The endpoint's key, created when it has none (`created` then true). Two runs creating it at once agree: the
 * file is written whole beside its place and hard-linked into it, which fails when another run got there first.
 */
export async function ensureEndpointKey(
  localDir: string,
  endpointName: string,
): Promise<{ key: string; created: boolean }> {
  const existing = await readEndpointKey(localDir, endpointName);
  if (existing) return { key: existing, created: false };
  const path = endpointKeyPath(localDir, endpointName);
  await mkdir(dirname(path), { recursive: true });
  const key = generateEndpointKey();
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, `${JSON.stringify({ primaryKey: key } satisfies KeyFile)}\n`, { mode: 0o600 });
    await link(temp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const theirs = await readEndpointKey(localDir, endpointName);
    if (!theirs) throw err;
    return { key: theirs, created: false };
  } finally {
    await rm(temp, { force: true });
  }
  return { key, created: true };
}
