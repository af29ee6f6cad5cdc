// The Azure CLI session an earlier azure/login step left on the runner. The CLI cannot fetch a new GitHub ID
// token, so once the assertion azure/login stored expires (minutes), it can mint no new tokens
// (AADSTS700024): tokens for every scope are fetched up front, and the failure later says what to use instead.

import { execFile } from 'node:child_process';
import type { Clock } from '../../clock.ts';
import type { Log } from '../../log.ts';
import { AzureAuthError } from '../errors.ts';
import type { AccessToken, Credential, ExecFn, RegisterSecret } from './credential.ts';
import { cachedCredential } from './token-cache.ts';

export interface AzureCliOptions {
  exec: ExecFn;
  clock: Clock;
  registerSecret?: RegisterSecret | undefined;
  log?: Log | undefined;
}

const SOURCE = 'Azure CLI session (azure/login)';

export const LONG_RUN_HINT =
  'The az session from azure/login can no longer mint tokens: the GitHub ID token it was signed in with has expired, and az cannot fetch a new one. For long deployments give this action client-id and tenant-id (with `permissions: id-token: write`) so it exchanges a fresh GitHub ID token itself whenever it needs one.';

/** Why the az session cannot be used at all (as opposed to a failure of a working session). */
export class AzureCliUnavailableError extends AzureAuthError {
  override name = 'AzureCliUnavailableError';
}

export function azureCliCredential(options: AzureCliOptions): Credential {
  return cachedCredential({
    kind: 'azure-cli',
    description: SOURCE,
    clock: options.clock,
    registerSecret: options.registerSecret,
    log: options.log,
    mint: (scope, signal) => getCliToken(options, scope, signal),
  });
}

async function getCliToken(
  options: AzureCliOptions,
  scope: string,
  signal?: AbortSignal,
): Promise<AccessToken> {
  const args = ['account', 'get-access-token', '--scope', scope, '--output', 'json'];
  let result: Awaited<ReturnType<ExecFn>>;
  try {
    result = await options.exec('az', args, signal ? { signal } : {});
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new AzureCliUnavailableError(SOURCE, 'az is not on PATH');
    throw new AzureAuthError(SOURCE, `${SOURCE}: running az failed: ${(error as Error).message}`);
  }
  if (result.exitCode !== 0) throw cliError(result.stderr || result.stdout, scope);
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(result.stdout) as Record<string, unknown>;
  } catch {
    throw new AzureAuthError(SOURCE, `${SOURCE}: az account get-access-token printed no JSON`);
  }
  const token = parsed.accessToken;
  if (typeof token !== 'string' || token === '') {
    throw new AzureAuthError(SOURCE, `${SOURCE}: az account get-access-token returned no accessToken`);
  }
  options.registerSecret?.(token);
  const expiresOnMs = readExpiry(parsed);
  if (expiresOnMs === undefined) {
    throw new AzureAuthError(SOURCE, `${SOURCE}: az account get-access-token returned no usable expiry`);
  }
  return { token, expiresOnMs };
}

/** `expires_on` (epoch seconds, az >= 2.54) wins; else `expiresOn`, a local time `YYYY-MM-DD HH:MM:SS.ffffff`. */
export function readExpiry(output: Record<string, unknown>): number | undefined {
  const epoch = Number(output.expires_on);
  if (output.expires_on !== undefined && Number.isFinite(epoch) && epoch > 0) return epoch * 1000;
  const text = output.expiresOn;
  if (typeof text !== 'string') return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = '0'] = m;
  const ms = Math.round(Number(`0.${frac}`) * 1000);
  return new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms).getTime();
}

function cliError(stderr: string, scope: string): AzureAuthError {
  const text = stderr.trim();
  const firstLine = text.split(/\r?\n/).find((line) => line.trim() !== '') ?? 'no output';
  if (/AADSTS700024/.test(text)) {
    return new AzureAuthError(
      SOURCE,
      `${SOURCE}: getting a token for ${scope} failed with AADSTS700024 (client assertion is not within its valid time range). ${LONG_RUN_HINT}`,
      'AADSTS700024',
    );
  }
  if (/az login|not logged in|no subscription found/i.test(text)) {
    return new AzureCliUnavailableError(SOURCE, `no az session (${firstLine.trim()})`);
  }
  const code = /AADSTS\d+/.exec(text)?.[0];
  return new AzureAuthError(
    SOURCE,
    `${SOURCE}: az account get-access-token failed for ${scope}: ${firstLine}`,
    code,
  );
}

/** The real ExecFn: runs the command without a shell (az is a .cmd on Windows, which needs one). */
export const execCommand: ExecFn = (command, args, options) =>
  new Promise((resolve, reject) => {
    const windows = process.platform === 'win32';
    execFile(
      windows ? `${command}.cmd` : command,
      [...args],
      { shell: windows, maxBuffer: 10 * 1024 * 1024, ...(options?.signal ? { signal: options.signal } : {}) },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') return reject(error);
        resolve({ exitCode: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });
