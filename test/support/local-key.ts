// The key of a local endpoint with key auth, read the way a user would find it: from the endpoint's local
// state under local-dir (default `.azureml-local` in the working directory).

import path from 'node:path';
import { readEndpointKey } from '../../src/targets/local/endpoint-key.ts';

/** The endpoint's key from `<localDir>` (default `<cwd>/.azureml-local`); fails the test when there is none. */
export async function localEndpointKey(
  cwd: string,
  endpoint: string,
  localDir = path.join(cwd, '.azureml-local'),
): Promise<string> {
  const key = await readEndpointKey(localDir, endpoint);
  if (!key) throw new Error(`local endpoint ${endpoint} has no key in ${localDir}`);
  return key;
}

/** The Authorization header a client of a key-auth endpoint sends. */
export async function localAuthHeader(cwd: string, endpoint: string): Promise<{ authorization: string }> {
  return { authorization: `Bearer ${await localEndpointKey(cwd, endpoint)}` };
}
