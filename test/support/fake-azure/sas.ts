// Shared access signatures for Azurite (the fake's startPendingUpload hands out a container SAS, and the fake
// creates its datastore container with an account SAS). HMAC-SHA256 over the string-to-sign of version
// 2020-12-06 and later, as in "Create a service SAS" / "Create an account SAS".

import { createHmac } from 'node:crypto';

export const AZURITE_ACCOUNT = 'devstoreaccount1';
/** Azurite's published well-known development key (not a secret). */
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const SAS_VERSION = '2021-08-06';

function sign(key: string, stringToSign: string): string {
  return createHmac('sha256', Buffer.from(key, 'base64')).update(stringToSign, 'utf8').digest('base64');
}

/** Storage wants second precision: `2026-01-01T00:00:00Z`. */
function sasTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Query string (no `?`) of a blob container service SAS (sr=c). */
export function containerSas(opts: {
  account: string;
  key: string;
  container: string;
  permissions: string;
  expiresOnMs: number;
  startsOnMs?: number;
}): string {
  const st = opts.startsOnMs === undefined ? '' : sasTime(opts.startsOnMs);
  const se = sasTime(opts.expiresOnMs);
  const canonical = `/blob/${opts.account}/${opts.container}`;
  const stringToSign = [
    opts.permissions,
    st,
    se,
    canonical,
    '',
    '',
    '',
    SAS_VERSION,
    'c',
    '',
    '',
    '',
    '',
    '',
    '',
    '',
  ].join('\n');
  const params = new URLSearchParams({ sv: SAS_VERSION, sr: 'c', sp: opts.permissions, se });
  if (st) params.set('st', st);
  params.set('sig', sign(opts.key, stringToSign));
  return params.toString();
}

/** Query string (no `?`) of an account SAS for the blob service. */
export function accountSas(opts: {
  account: string;
  key: string;
  permissions: string;
  resourceTypes: string;
  expiresOnMs: number;
}): string {
  const se = sasTime(opts.expiresOnMs);
  const stringToSign = `${[opts.account, opts.permissions, 'b', opts.resourceTypes, '', se, '', '', SAS_VERSION, ''].join('\n')}\n`;
  const params = new URLSearchParams({
    sv: SAS_VERSION,
    ss: 'b',
    srt: opts.resourceTypes,
    sp: opts.permissions,
    se,
    sig: sign(opts.key, stringToSign),
  });
  return params.toString();
}
