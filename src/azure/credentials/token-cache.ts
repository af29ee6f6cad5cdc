// Per-scope token cache shared by every credential: renew before expiry, one mint at a time per scope, and
// keep serving a still-valid token when a renewal fails (the failure is reported, not hidden).

import type { Clock } from '../../clock.ts';
import type { Log } from '../../log.ts';
import type { AccessToken, Credential, RegisterSecret } from './credential.ts';

export interface TokenCacheOptions {
  clock: Clock;
  mint: (scope: string, signal?: AbortSignal) => Promise<AccessToken>;
  /** Renew this long before expiry (capped at half the token's lifetime). Default 5 minutes. */
  refreshMarginMs?: number;
  /** A renewal failed but the cached token still works for a while; say so. */
  onRenewalFailed?: (scope: string, error: unknown) => void;
}

/** Keep using a token whose renewal failed only while it has at least this much life left. */
const MIN_REMAINING_ON_FAILURE_MS = 60_000;

const RETRY_RENEWAL_AFTER_MS = 30_000;

interface Entry {
  token: AccessToken;
  refreshAtMs: number;
}

export function tokenCache(
  options: TokenCacheOptions,
): (scope: string, signal?: AbortSignal) => Promise<AccessToken> {
  const margin = options.refreshMarginMs ?? 5 * 60_000;
  const cache = new Map<string, Entry>();
  const inFlight = new Map<string, Promise<AccessToken>>();

  const renew = async (scope: string, signal?: AbortSignal): Promise<AccessToken> => {
    const mintedAt = options.clock.now();
    const token = await options.mint(scope, signal);
    const lifetime = Math.max(0, token.expiresOnMs - mintedAt);
    cache.set(scope, { token, refreshAtMs: token.expiresOnMs - Math.min(margin, lifetime / 2) });
    return token;
  };

  return async (scope, signal) => {
    const now = options.clock.now();
    const entry = cache.get(scope);
    if (entry && now < entry.refreshAtMs) return entry.token;
    let pending = inFlight.get(scope);
    if (!pending) {
      pending = renew(scope, signal).finally(() => inFlight.delete(scope));
      inFlight.set(scope, pending);
    }
    try {
      return await pending;
    } catch (error) {
      const at = options.clock.now();
      if (entry && entry.token.expiresOnMs - at >= MIN_REMAINING_ON_FAILURE_MS) {
        options.onRenewalFailed?.(scope, error);
        // Try again in a while rather than on every request.
        entry.refreshAtMs = Math.min(
          at + RETRY_RENEWAL_AFTER_MS,
          entry.token.expiresOnMs - MIN_REMAINING_ON_FAILURE_MS,
        );
        return entry.token;
      }
      throw error;
    }
  };
}

export interface CachedCredentialOptions {
  kind: Credential['kind'];
  description: string;
  clock: Clock;
  /** Mints a fresh token; the cache decides when. */
  mint: (scope: string, signal?: AbortSignal) => Promise<AccessToken>;
  registerSecret?: RegisterSecret | undefined;
  log?: Log | undefined;
  refreshMarginMs?: number | undefined;
}

/** A Credential over a mint function: cached per scope, every minted token registered as a secret. */
export function cachedCredential(options: CachedCredentialOptions): Credential {
  const getToken = tokenCache({
    clock: options.clock,
    ...(options.refreshMarginMs !== undefined ? { refreshMarginMs: options.refreshMarginMs } : {}),
    mint: async (scope, signal) => {
      const token = await options.mint(scope, signal);
      options.registerSecret?.(token.token);
      options.log?.debug(`${options.description}: new token for ${scope}`);
      return token;
    },
    onRenewalFailed: (scope, error) =>
      options.log?.warn(
        `${options.description}: renewing the token for ${scope} failed; the current one is still valid for a while. ${(error as Error).message}`,
      ),
  });
  return {
    kind: options.kind,
    description: options.description,
    getToken,
    prefetch: async (scopes, signal) => {
      for (const scope of scopes) await getToken(scope, signal);
    },
  };
}
