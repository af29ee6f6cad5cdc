// The workspace's default datastore as an upload target: its account, container and endpoint
// (`GET datastores?isDefault=true`), and how to authorize blob requests to it: the account key or SAS from
// `listSecrets`, or, for identity-based datastores (and when listSecrets is refused), the caller's own Entra
// token for storage.

import { ActionFailure } from '../../errors.ts';
import type { Log } from '../../log.ts';
import { AzureError } from '../errors.ts';
import type { AzureWorkspace } from '../workspace.ts';
import type { BlobAuth } from './blob-auth.ts';
import { blobServiceUrl } from './blob-endpoint.ts';

export interface UploadDatastore {
  name: string;
  accountName: string;
  containerName: string;
  /** Blob service URL of the account. */
  serviceUrl: string;
  auth: BlobAuth;
  /** Why identity (Entra) auth is used, for logs and error messages. */
  authReason: 'account key' | 'SAS' | 'identity-based datastore' | 'listSecrets refused' | 'no usable secret';
  /** The listSecrets refusal, when that is why the identity's own token is used. */
  listSecretsError?: AzureError;
}

interface DatastoreJson {
  name?: string;
  properties?: {
    datastoreType?: string;
    accountName?: string;
    containerName?: string;
    endpoint?: string;
    protocol?: string;
    credentials?: { credentialsType?: string };
  };
}

interface DatastoreSecrets {
  secretsType?: string;
  key?: string;
  sasToken?: string;
}

export async function openDefaultDatastore(workspace: AzureWorkspace, log: Log): Promise<UploadDatastore> {
  const { client } = workspace;
  const list = await client.get<{ value?: DatastoreJson[] }>(`${workspace.path}/datastores`, {
    query: { isDefault: true },
  });
  const store = list.body?.value?.[0];
  if (!store?.name || !store.properties) {
    throw new ActionFailure(
      `workspace '${workspace.ref.workspaceName}' has no default datastore to upload the model to; set one (az ml datastore update --set is_default=true) or register the model from a URI`,
    );
  }
  const p = store.properties;
  if (p.datastoreType && p.datastoreType !== 'AzureBlob') {
    throw new ActionFailure(
      `the default datastore '${store.name}' is of type ${p.datastoreType}; uploads need an AzureBlob datastore`,
    );
  }
  if (!p.accountName || !p.containerName) {
    throw new ActionFailure(`the default datastore '${store.name}' names no storage account or container`);
  }
  const base = {
    name: store.name,
    accountName: p.accountName,
    containerName: p.containerName,
    serviceUrl: blobServiceUrl({
      accountName: p.accountName,
      endpoint: p.endpoint || 'core.windows.net',
      protocol: p.protocol,
    }),
  };
  const identity = (
    reason: UploadDatastore['authReason'],
    listSecretsError?: AzureError,
  ): UploadDatastore => ({
    ...base,
    auth: { kind: 'entra', credential: workspace.credential },
    authReason: reason,
    ...(listSecretsError ? { listSecretsError } : {}),
  });

  if ((p.credentials?.credentialsType ?? '').toLowerCase() === 'none') {
    log.info(
      `datastore '${store.name}' is identity-based: uploading with ${workspace.credential.description}`,
    );
    return identity('identity-based datastore');
  }
  let secrets: DatastoreSecrets | undefined;
  try {
    const res = await client.post<DatastoreSecrets>(
      `${workspace.path}/datastores/${encodeURIComponent(store.name)}/listSecrets`,
      { idempotent: true },
    );
    secrets = res.body;
  } catch (error) {
    // 400: the datastore has no secret (identity-based); 403: this identity may not read it. Either way the
    // identity's own storage role may still allow the upload.
    if (error instanceof AzureError && (error.status === 400 || error.status === 403)) {
      log.info(
        `listSecrets on datastore '${store.name}' answered HTTP ${error.status} (${error.code}): uploading with ${workspace.credential.description}`,
      );
      return identity(error.status === 403 ? 'listSecrets refused' : 'no usable secret', error);
    }
    throw error;
  }
  const type = (secrets?.secretsType ?? '').toLowerCase();
  if (type === 'accountkey' && secrets?.key) {
    return {
      ...base,
      auth: { kind: 'account-key', accountName: p.accountName, accountKey: secrets.key },
      authReason: 'account key',
    };
  }
  if (type === 'sas' && secrets?.sasToken) {
    return { ...base, auth: { kind: 'sas', token: secrets.sasToken }, authReason: 'SAS' };
  }
  log.info(
    `datastore '${store.name}' gave no account key or SAS (secretsType ${secrets?.secretsType ?? 'none'}): uploading with ${workspace.credential.description}`,
  );
  return identity('no usable secret');
}

/** The message when storage refused the upload after listSecrets had been refused too: name both ways out. */
export function deniedUploadMessage(
  datastore: UploadDatastore,
  workspacePath: string,
  storageMessage: string,
): string {
  return (
    `cannot upload the model to datastore '${datastore.name}': listSecrets was refused (HTTP 403) and storage ` +
    `refused this identity's own token. Grant the identity 'AzureML Data Scientist' (or a role with ` +
    `Microsoft.MachineLearningServices/workspaces/datastores/listsecrets/action) on ${workspacePath}, or ` +
    `'Storage Blob Data Contributor' on the storage account '${datastore.accountName}'. Storage said: ${storageMessage}`
  );
}
