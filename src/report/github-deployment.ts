// GitHub Deployments for an environment name: the PR and the repository's Environments page show where the
// model is served (in_progress → success with the scoring URI, or failure; inactive once deleted). Every
// call is best-effort: a refusal (read-only token on forks, no `deployments: write`) is a warning.

import type { Log } from '../log.ts';
import { createGitHubRequest, describeGitHubError, type GitHubRequest } from './github-client.ts';
import type { GitHubContext } from './github-context.ts';

export interface GitHubDeploymentTarget {
  context: GitHubContext;
  /** The GitHub environment name (the `github-deployment` input). */
  environment: string;
  log: Log;
  /** Defaults to Octokit with `token`. */
  request?: GitHubRequest;
  token?: string;
}

export interface GitHubDeploymentHandle {
  id: number;
  environment: string;
}

/** `inactive`: the endpoint was deleted in the same run (throw-away previews). */
export type FinalDeploymentState = 'success' | 'failure' | 'inactive';

/** GitHub's limit on a status description. */
const MAX_DESCRIPTION = 140;

/** Creates the Deployment (for the PR head, else GITHUB_SHA) and sets it in_progress. */
export async function startGitHubDeployment(
  target: GitHubDeploymentTarget & { transient?: boolean; description?: string },
): Promise<GitHubDeploymentHandle | undefined> {
  const { context, environment, log } = target;
  if (!context.sha) {
    log.warn('could not create a GitHub Deployment: no commit (GITHUB_SHA is not set)');
    return undefined;
  }
  const deployment = await attempt(target, 'create a GitHub Deployment', async (request) => {
    const res = await request('POST /repos/{owner}/{repo}/deployments', {
      owner: context.owner,
      repo: context.repo,
      ref: context.sha,
      environment,
      auto_merge: false,
      // The checks of this very run are still running: GitHub must not wait for them.
      required_contexts: [],
      transient_environment: target.transient ?? false,
      ...(target.description ? { description: cut(target.description) } : {}),
    });
    const id = (res.data as { id?: unknown } | null)?.id;
    if (typeof id !== 'number') {
      log.warn(`GitHub did not create a Deployment for ${environment} (status ${res.status})`);
      return undefined;
    }
    return { id, environment };
  });
  if (!deployment) return undefined;
  // The Deployment exists even if this status is refused: the final status may still get through.
  await attempt(target, 'set the GitHub Deployment status to in_progress', async (request) => {
    await postStatus(request, context, deployment.id, { state: 'in_progress' });
    log.info(`GitHub Deployment ${deployment.id} for environment ${environment}: in_progress`);
    return true;
  });
  return deployment;
}

/** Sets the final status: success carries the scoring URI as the environment URL. */
export async function finishGitHubDeployment(
  target: GitHubDeploymentTarget & {
    deployment: GitHubDeploymentHandle;
    state: FinalDeploymentState;
    environmentUrl?: string;
    description?: string;
  },
): Promise<boolean> {
  const { context, deployment, state, log } = target;
  const done = await attempt(target, `set the GitHub Deployment status to ${state}`, async (request) => {
    await postStatus(request, context, deployment.id, {
      state,
      ...(state === 'success' && target.environmentUrl ? { environment_url: target.environmentUrl } : {}),
      ...(target.description ? { description: target.description } : {}),
    });
    log.info(`GitHub Deployment ${deployment.id} for environment ${deployment.environment}: ${state}`);
    return true;
  });
  return done ?? false;
}

/**
 * Sets a status on the environment's latest Deployment: `inactive` when its endpoint was deleted, `failure`
 * when a later step (a smoke test) found it broken. Returns the deployment id, or undefined if there is none.
 */
export async function setLatestDeploymentStatus(
  target: GitHubDeploymentTarget & { state: 'inactive' | 'failure'; description?: string },
): Promise<number | undefined> {
  const { context, environment, state, log } = target;
  return attempt(target, `mark the GitHub Deployment for ${environment} ${state}`, async (request) => {
    // Deployments are listed newest first.
    const res = await request('GET /repos/{owner}/{repo}/deployments', {
      owner: context.owner,
      repo: context.repo,
      environment,
      per_page: 1,
    });
    const latest = Array.isArray(res.data) ? (res.data[0] as { id?: unknown } | undefined) : undefined;
    if (typeof latest?.id !== 'number') {
      log.debug(`no GitHub Deployment for environment ${environment}: nothing to mark ${state}`);
      return undefined;
    }
    await postStatus(request, context, latest.id, {
      state,
      ...(target.description ? { description: target.description } : {}),
    });
    log.info(`GitHub Deployment ${latest.id} for environment ${environment}: ${state}`);
    return latest.id;
  });
}

async function postStatus(
  request: GitHubRequest,
  context: GitHubContext,
  deploymentId: number,
  status: { state: string; environment_url?: string; description?: string },
): Promise<void> {
  await request('POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses', {
    owner: context.owner,
    repo: context.repo,
    deployment_id: deploymentId,
    ...status,
    ...(status.description ? { description: cut(status.description) } : {}),
    ...(context.runUrl ? { log_url: context.runUrl } : {}),
  });
}

async function attempt<T>(
  target: GitHubDeploymentTarget,
  what: string,
  fn: (request: GitHubRequest) => Promise<T | undefined>,
): Promise<T | undefined> {
  if (!target.request && !target.token) {
    target.log.warn(`could not ${what}: no github-token`);
    return undefined;
  }
  try {
    const request = target.request ?? (await createGitHubRequest(target.token!, target.context.apiUrl));
    return await fn(request);
  } catch (err) {
    target.log.warn(`could not ${what}: ${describeGitHubError(err, 'deployments: write')}`);
    return undefined;
  }
}

function cut(text: string): string {
  return text.length <= MAX_DESCRIPTION ? text : `${text.slice(0, MAX_DESCRIPTION - 1)}…`;
}
