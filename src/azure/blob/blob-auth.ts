// The three ways a blob request is authorized: the account key (SharedKey), a SAS token, or the caller's own
// Entra token for storage (identity-based datastores; needs a data role such as Storage Blob Data Contributor).

import type { Credential } from '../credentials/credential.ts';
import { STORAGE_SCOPE } from '../credentials/credential.ts';
import { sharedKeyAuthorization } from './shared-key.ts';

export type BlobAuth =
  | { kind: 'account-key'; accountName: string; accountKey: string }
  /** The SAS query string, with or without the leading `?`. */
  | { kind: 'sas'; token: string }
  | { kind: 'entra'; credential: Credential; scope?: string };

/** Words for messages; never the secret itself. */
export function describeBlobAuth(auth: BlobAuth): string {
  switch (auth.kind) {
    case 'account-key':
      return `the account key of '${auth.accountName}'`;
    case 'sas':
      return 'a SAS token';
    case 'entra':
      return `an Entra token of ${auth.credential.description}`;
  }
}

/** Adds the SAS parameters to the URL (before signing anything else). */
export function addSas(url: URL, auth: BlobAuth): void {
  if (auth.kind !== 'sas') return;
  for (const [name, value] of new URLSearchParams(auth.token.replace(/^\?/, ''))) {
    url.searchParams.set(name, value);
  }
}

/** Sets `authorization` in `headers` (account key and Entra); a SAS lives in the URL instead. */
export async function authorizeRequest(
  auth: BlobAuth,
  method: string,
  url: URL,
  headers: Record<string, string>,
  signal?: AbortSignal,
): Promise<void> {
  if (auth.kind === 'account-key') {
    headers.authorization = sharedKeyAuthorization(auth.accountName, auth.accountKey, {
      method,
      url,
      headers,
    });
  } else if (auth.kind === 'entra') {
    const token = await auth.credential.getToken(auth.scope ?? STORAGE_SCOPE, signal);
    headers.authorization = `Bearer ${token.token}`;
  }
}
