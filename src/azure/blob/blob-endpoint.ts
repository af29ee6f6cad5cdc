// Where a storage account's blob service lives. Azure: `https://{account}.blob.{endpointSuffix}`. An emulator
// (Azurite) or any address with a port: path-style, the account as the first path segment
// (`http://127.0.0.1:10000/devstoreaccount1`).

export interface BlobAccountLocation {
  accountName: string;
  /** A datastore's `endpoint`: an endpoint suffix (`core.windows.net`), a `host:port`, or a full URL. */
  endpoint: string;
  /** `https` (default) or `http`; ignored when `endpoint` is a full URL. */
  protocol?: string | undefined;
}

/** The blob service URL of an account, without a trailing slash. */
export function blobServiceUrl(location: BlobAccountLocation): string {
  const { accountName } = location;
  const raw = location.endpoint.trim().replace(/\/+$/, '');
  if (/^https?:\/\//i.test(raw)) {
    const url = new URL(raw);
    // A full URL that already names the account (path-style, or the account's own host) is used as is.
    if (url.pathname !== '/' || url.hostname.toLowerCase().startsWith(`${accountName.toLowerCase()}.`)) {
      return raw;
    }
    return isPathStyleHost(url.host)
      ? `${url.protocol}//${url.host}/${accountName}`
      : `${url.protocol}//${accountName}.blob.${url.host}`;
  }
  const protocol = (location.protocol || 'https').toLowerCase().replace(/:$/, '');
  if (isPathStyleHost(raw)) return `${protocol}://${raw}/${accountName}`;
  const suffix = raw.replace(/^blob\./i, '');
  return `${protocol}://${accountName}.blob.${suffix}`;
}

/** An IP address, `localhost` or anything with an explicit port is addressed path-style, as emulators are. */
export function isPathStyleHost(host: string): boolean {
  if (/:\d+$/.test(host)) return true;
  const name = host.replace(/^\[|\]$/g, '');
  return name === 'localhost' || /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || name.includes(':');
}

/** A blob name as a URL path: each `/`-separated segment percent-encoded. */
export function encodeBlobPath(blobPath: string): string {
  return blobPath
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}
