// The credential contract the ARM client, the blob uploader and the probe ask for tokens through.

import { DEFAULT_ARM_ENDPOINT } from '../../config/azure-cloud.ts';

/** An Entra access token and when it stops working. */
export interface AccessToken {
  token: string;
  /** Epoch milliseconds. */
  expiresOnMs: number;
}

export type CredentialKind = 'github-oidc' | 'client-secret' | 'federated-token-file' | 'azure-cli';

export interface Credential {
  readonly kind: CredentialKind;
  /** Says which identity and source, for logs (no secrets). */
  readonly description: string;
  /** A cached token for the scope, renewed before it expires. */
  getToken(scope: string, signal?: AbortSignal): Promise<AccessToken>;
  /** Fetches every scope now, so a source that can only mint tokens early (the az session) has them. */
  prefetch(scopes: readonly string[], signal?: AbortSignal): Promise<void>;
}

/** Called with every secret value (client secret, ID token, access token) as soon as it is known. */
export type RegisterSecret = (value: string) => void;

/** Runs a command without a shell; the az credential's only door to the machine. */
export type ExecFn = (
  command: string,
  args: readonly string[],
  options?: { signal?: AbortSignal },
) => Promise<{ exitCode: number; stdout: string; stderr: string }>;

export { DEFAULT_ARM_ENDPOINT, DEFAULT_AUTHORITY_HOST } from '../../config/azure-cloud.ts';
export const GITHUB_OIDC_AUDIENCE = 'api://AzureADTokenExchange';
export const STORAGE_SCOPE = 'https://storage.azure.com/.default';
export const ML_SCOPE = 'https://ml.azure.com/.default';

/** The ARM token scope follows arm-endpoint, so sovereign clouds (and the test fake) work. */
export function armScope(armEndpoint: string = DEFAULT_ARM_ENDPOINT): string {
  return `${armEndpoint.replace(/\/+$/, '')}/.default`;
}

/** Every scope a run may need: ARM, blob storage (uploads), Azure ML (aad_token scoring). */
export function runScopes(armEndpoint: string = DEFAULT_ARM_ENDPOINT): string[] {
  return [armScope(armEndpoint), STORAGE_SCOPE, ML_SCOPE];
}
