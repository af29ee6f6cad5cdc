// The slice of the GitHub REST API the report needs: one request function, Octokit's `request` shape, so
// tests and callers can inject their own. The default is @actions/github's Octokit (proxy-aware), loaded
// lazily because it is only needed when something is published.

import { errorMessage } from '../errors.ts';

export interface GitHubResponse {
  status: number;
  data: unknown;
  headers?: Record<string, unknown>;
}

/** `request('GET /repos/{owner}/{repo}/...', params)`; throws an error with `status` on a non-2xx reply. */
export type GitHubRequest = (route: string, params?: Record<string, unknown>) => Promise<GitHubResponse>;

/** Calls to GitHub are best-effort extras; one stuck call must not hold the action for long. */
const REQUEST_TIMEOUT_MS = 30_000;

export async function createGitHubRequest(token: string, apiUrl: string): Promise<GitHubRequest> {
  const { getOctokit } = await import('@actions/github');
  const octokit = getOctokit(token, { baseUrl: apiUrl });
  return async (route, params = {}) => {
    const response = await octokit.request(route, {
      ...params,
      request: { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) },
    });
    return { status: response.status, data: response.data, headers: response.headers };
  };
}

/** The HTTP status of a failed GitHub call (Octokit's RequestError and look-alikes), if it has one. */
export function httpStatusOf(err: unknown): number | undefined {
  if (err && typeof err === 'object' && 'status' in err) {
    const status = (err as { status: unknown }).status;
    if (typeof status === 'number') return status;
  }
  return undefined;
}

/** Explains the usual reasons GitHub refuses, so the warning says what to change. */
export function describeGitHubError(err: unknown, permission: string): string {
  const status = httpStatusOf(err);
  const message = errorMessage(err);
  if (status === 403) {
    return `GitHub refused (403: ${message}); the token needs \`permissions: ${permission}\` (pull requests from forks get a read-only token)`;
  }
  if (status === 404) {
    return `GitHub answered 404 (${message}); the token may lack \`permissions: ${permission}\` or access to the repository`;
  }
  return status === undefined ? message : `GitHub answered ${status}: ${message}`;
}
