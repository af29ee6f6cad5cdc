// Where this run sits on GitHub, read from the runner's env and event file (not from @actions/github's
// `context`, which is read once at import time and cannot be given another env in tests).

import { readFileSync } from 'node:fs';

export interface GitHubContext {
  owner: string;
  repo: string;
  /** `owner/repo`. */
  repository: string;
  eventName?: string;
  /** The pull request this run is for (from the event, else from a `refs/pull/N/...` ref). */
  pullRequest?: number;
  /** The commit a Deployment points at: the PR head (GITHUB_SHA is the merge commit on PRs), else GITHUB_SHA. */
  sha?: string;
  ref?: string;
  runId?: string;
  runAttempt?: string;
  /** Link to this workflow run, when the run id is known. */
  runUrl?: string;
  serverUrl: string;
  /** REST API base; differs on GitHub Enterprise Server. */
  apiUrl: string;
}

const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target']);

/** Undefined outside GitHub (no valid GITHUB_REPOSITORY). */
export function readGitHubContext(
  env: NodeJS.ProcessEnv,
  readFile: (file: string) => string = (file) => readFileSync(file, 'utf8'),
): GitHubContext | undefined {
  const repository = env['GITHUB_REPOSITORY'] ?? '';
  const m = /^([^/\s]+)\/([^/\s]+)$/.exec(repository);
  if (!m) return undefined;
  const serverUrl = trimSlash(env['GITHUB_SERVER_URL'] || 'https://github.com');
  const apiUrl = trimSlash(env['GITHUB_API_URL'] || defaultApiUrl(serverUrl));
  const event = readEvent(env['GITHUB_EVENT_PATH'], readFile);
  const eventName = env['GITHUB_EVENT_NAME'] || undefined;
  const ref = env['GITHUB_REF'] || undefined;
  const runId = env['GITHUB_RUN_ID'] || undefined;
  const runAttempt = env['GITHUB_RUN_ATTEMPT'] || undefined;
  const pullRequest = event?.pull_request?.number ?? prFromRef(ref);
  const sha = event?.pull_request?.head?.sha || env['GITHUB_SHA'] || undefined;
  return {
    owner: m[1]!,
    repo: m[2]!,
    repository,
    ...(eventName ? { eventName } : {}),
    ...(pullRequest !== undefined ? { pullRequest } : {}),
    ...(sha ? { sha } : {}),
    ...(ref ? { ref } : {}),
    ...(runId ? { runId, runUrl: `${serverUrl}/${repository}/actions/runs/${runId}` } : {}),
    ...(runAttempt ? { runAttempt } : {}),
    serverUrl,
    apiUrl,
  };
}

export function isPullRequestEvent(context: GitHubContext): boolean {
  return context.eventName !== undefined && PULL_REQUEST_EVENTS.has(context.eventName);
}

interface EventPayload {
  pull_request?: { number?: number; head?: { sha?: string } };
}

function readEvent(file: string | undefined, readFile: (file: string) => string): EventPayload | undefined {
  if (!file) return undefined;
  try {
    const parsed: unknown = JSON.parse(readFile(file));
    if (!parsed || typeof parsed !== 'object') return undefined;
    const pr = (parsed as { pull_request?: unknown }).pull_request;
    if (!pr || typeof pr !== 'object') return {};
    const { number, head } = pr as { number?: unknown; head?: { sha?: unknown } };
    return {
      pull_request: {
        ...(typeof number === 'number' ? { number } : {}),
        ...(typeof head?.sha === 'string' ? { head: { sha: head.sha } } : {}),
      },
    };
  } catch {
    // A missing or unreadable event file leaves the env values, which are enough for everything but the PR.
    return undefined;
  }
}

function prFromRef(ref: string | undefined): number | undefined {
  const m = /^refs\/pull\/(\d+)\//.exec(ref ?? '');
  return m ? Number(m[1]) : undefined;
}

function defaultApiUrl(serverUrl: string): string {
  return serverUrl === 'https://github.com' ? 'https://api.github.com' : `${serverUrl}/api/v3`;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
