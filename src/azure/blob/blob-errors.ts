// Failed blob requests as messages that say what to do: the storage error code (x-ms-error-code or the XML
// body), the blob, the request id, and for authorization failures the role or setting that is missing.

export interface BlobErrorInit {
  status: number;
  /** Storage error code (`AuthorizationPermissionMismatch`, `BlobNotFound`, ...), or `HttpStatusNNN`. */
  code: string;
  serviceMessage: string;
  method: string;
  /** What was attempted, e.g. `Put Block`. */
  operation: string;
  accountName: string;
  container: string;
  blobPath: string;
  /** How the request was authorized, in words (never the secret). */
  authDescription: string;
  requestId?: string | undefined;
  note?: string | undefined;
}

export class BlobError extends Error {
  override name = 'BlobError';
  readonly status: number;
  readonly code: string;
  readonly serviceMessage: string;
  readonly operation: string;
  readonly accountName: string;
  readonly container: string;
  readonly blobPath: string;
  readonly requestId: string | undefined;
  readonly hint: string | undefined;

  constructor(init: BlobErrorInit) {
    const hint = blobErrorHint(init);
    const ids = [`HTTP ${init.status}`, `${init.method} ${init.container}/${init.blobPath}`];
    if (init.requestId) ids.push(`request id ${init.requestId}`);
    super(
      `${init.operation} failed in storage account '${init.accountName}': ${init.code}: ${init.serviceMessage}` +
        `${hint ? ` ${hint}` : ''}${init.note ? ` ${init.note}` : ''} (${ids.join(', ')})`,
    );
    this.status = init.status;
    this.code = init.code;
    this.serviceMessage = init.serviceMessage;
    this.operation = init.operation;
    this.accountName = init.accountName;
    this.container = init.container;
    this.blobPath = init.blobPath;
    this.requestId = init.requestId;
    this.hint = hint;
  }

  /** 401/403: the credential was refused or lacks permission (as opposed to a missing blob or a server fault). */
  get isAccessDenied(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

/** A blob request that got no HTTP answer (reset, refused, timed out) after its retries. */
export class BlobConnectionError extends Error {
  override name = 'BlobConnectionError';
  constructor(operation: string, accountName: string, blobPath: string, cause: unknown, note: string) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      `${operation} of '${blobPath}' in storage account '${accountName}': no answer from storage (${reason}). ${note} ` +
        'Check the network, the proxy settings (HTTPS_PROXY, NO_PROXY) and the storage account firewall.',
      { cause },
    );
  }
}

function blobErrorHint(init: BlobErrorInit): string | undefined {
  const where = `the storage account '${init.accountName}' (or its container '${init.container}')`;
  switch (init.code) {
    case 'AuthorizationPermissionMismatch':
      return `${capitalize(init.authDescription)} is valid but has no data-plane role: grant the identity 'Storage Blob Data Contributor' on ${where}.`;
    case 'AuthorizationFailure':
      return `The request was not authorized with ${init.authDescription}: the account's firewall or network rules may block this runner, or the SAS lacks write permission.`;
    case 'AuthenticationFailed':
      return `Storage rejected ${init.authDescription}: an expired SAS, a rotated key, a token for another audience, or a clock more than 15 minutes off.`;
    case 'InvalidAuthenticationInfo':
    case 'NoAuthenticationInformation':
      return `Storage could not read ${init.authDescription}; check that the token is for https://storage.azure.com/.`;
    case 'KeyBasedAuthenticationNotPermitted':
      return `${where} does not allow account keys: use an identity-based datastore and grant the identity 'Storage Blob Data Contributor'.`;
    case 'ContainerNotFound':
      return `The datastore points at container '${init.container}', which does not exist in storage account '${init.accountName}'.`;
    default:
      if (init.status === 403)
        return `Check that the identity (or the datastore's credential) may write to ${where}, e.g. with 'Storage Blob Data Contributor'.`;
      return undefined;
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Reads `<Error><Code>..</Code><Message>..</Message>...</Error>`; HEAD answers have no body. */
export function parseStorageError(body: string): { code?: string; message?: string; detail?: string } {
  const pick = (tag: string) => {
    const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(body);
    return m?.[1] === undefined ? undefined : decodeXml(m[1]).trim();
  };
  const code = pick('Code');
  const message = pick('Message')?.split('\n')[0];
  const detail = pick('AuthenticationErrorDetail');
  return {
    ...(code ? { code } : {}),
    ...(message ? { message } : {}),
    ...(detail ? { detail } : {}),
  };
}

export function decodeXml(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-f]+);/gi, (entity, name: string) => {
    const lower = name.toLowerCase();
    if (lower === 'lt') return '<';
    if (lower === 'gt') return '>';
    if (lower === 'amp') return '&';
    if (lower === 'quot') return '"';
    if (lower === 'apos') return "'";
    if (lower.startsWith('#x')) return String.fromCodePoint(Number.parseInt(lower.slice(2), 16));
    if (lower.startsWith('#')) return String.fromCodePoint(Number.parseInt(lower.slice(1), 10));
    return entity;
  });
}
