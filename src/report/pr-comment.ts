// One pull-request comment per endpoint, updated in place. Each action owns a marked section of it, so a
// workflow with separate register/deploy/smoke steps builds one comment, and a re-run replaces its own
// section instead of adding another.

import type { Log } from '../log.ts';
import {
  createGitHubRequest,
  describeGitHubError,
  type GitHubRequest,
  httpStatusOf,
} from './github-client.ts';
import { type GitHubContext, isPullRequestEvent } from './github-context.ts';
import type { ActionName } from './report.ts';

export type PrCommentMode = 'auto' | 'true' | 'false';

export interface CommentSection {
  action: ActionName;
  /** Already redacted Markdown (the summary renderer's output for this action). */
  markdown: string;
}

export interface UpsertPrCommentOptions {
  token?: string;
  context: GitHubContext;
  endpointName: string;
  section: CommentSection | CommentSection[];
  log: Log;
  /** Defaults to Octokit with `token` against `context.apiUrl`. */
  request?: GitHubRequest;
}

export interface PrCommentResult {
  outcome: 'created' | 'updated' | 'unchanged' | 'skipped' | 'refused' | 'failed';
  commentId?: number;
  url?: string;
}

/** Canonical order of sections, whatever order the steps ran in. */
const SECTION_ORDER: readonly string[] = [
  'register-model',
  'deploy-model',
  'smoke-test-service',
  'delete-service',
];
/** GitHub rejects comment bodies over 65,536 characters; four capped sections stay under it. */
const MAX_SECTION_CHARS = 15_000;
const PAGE_SIZE = 100;
const MAX_PAGES = 100;

export type CommentDecision = { comment: true; pullRequest: number } | { comment: false; reason: string };

/** `auto`: on pull_request / pull_request_target runs with a token; `true`: whenever the run has a PR. */
export function shouldComment(
  mode: PrCommentMode,
  context: GitHubContext | undefined,
  hasToken: boolean,
): CommentDecision {
  if (mode === 'false') return { comment: false, reason: 'pr-comment is false' };
  if (!context) return { comment: false, reason: 'not running on GitHub (GITHUB_REPOSITORY is not set)' };
  if (mode === 'auto' && !isPullRequestEvent(context)) {
    return { comment: false, reason: `not a pull_request event (${context.eventName ?? 'unknown event'})` };
  }
  if (context.pullRequest === undefined)
    return { comment: false, reason: 'this run is not for a pull request' };
  if (!hasToken) return { comment: false, reason: 'no github-token' };
  return { comment: true, pullRequest: context.pullRequest };
}

export async function upsertPrComment(options: UpsertPrCommentOptions): Promise<PrCommentResult> {
  const { context, endpointName, log } = options;
  const sections = Array.isArray(options.section) ? options.section : [options.section];
  const issue = context.pullRequest;
  if (issue === undefined) {
    log.debug('PR comment skipped: this run is not for a pull request');
    return { outcome: 'skipped' };
  }
  if (!options.request && !options.token) {
    log.debug('PR comment skipped: no github-token');
    return { outcome: 'skipped' };
  }
  const where = { owner: context.owner, repo: context.repo };
  try {
    const request = options.request ?? (await createGitHubRequest(options.token!, context.apiUrl));
    const existing = await findEndpointComment(request, context, issue, endpointName);
    const body = composeCommentBody(existing?.body, endpointName, sections, context);
    if (existing) {
      if (existing.body === body) return { outcome: 'unchanged', commentId: existing.id, url: existing.url };
      const res = await request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
        ...where,
        comment_id: existing.id,
        body,
      });
      const url = htmlUrl(res.data) ?? existing.url;
      log.info(`Updated the PR #${issue} comment for endpoint ${endpointName}${url ? `: ${url}` : ''}`);
      return { outcome: 'updated', commentId: existing.id, ...(url ? { url } : {}) };
    }
    const res = await request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      ...where,
      issue_number: issue,
      body,
    });
    const id = commentId(res.data);
    const url = htmlUrl(res.data);
    log.info(`Commented on PR #${issue} for endpoint ${endpointName}${url ? `: ${url}` : ''}`);
    return { outcome: 'created', ...(id !== undefined ? { commentId: id } : {}), ...(url ? { url } : {}) };
  } catch (err) {
    const status = httpStatusOf(err);
    const refused = status === 403 || status === 404;
    log.warn(`could not write the PR comment: ${describeGitHubError(err, 'pull-requests: write')}`);
    return { outcome: refused ? 'refused' : 'failed' };
  }
}

export function endpointMarker(endpointName: string): string {
  return `<!-- azureml-deploy:endpoint=${markerSafe(endpointName)} -->`;
}

/** The new comment body: the existing sections kept, the given actions' sections replaced or added. */
export function composeCommentBody(
  existingBody: string | undefined,
  endpointName: string,
  sections: CommentSection[],
  context?: Pick<GitHubContext, 'runUrl' | 'sha'>,
): string {
  const byAction = existingBody ? parseSections(existingBody) : new Map<string, string>();
  for (const s of sections) byAction.set(s.action, capSection(neutralizeMarkers(s.markdown.trim())));
  const rank = (a: string) => {
    const i = SECTION_ORDER.indexOf(a);
    return i === -1 ? SECTION_ORDER.length : i;
  };
  const ordered = [...byAction.entries()].sort((a, b) => rank(a[0]) - rank(b[0]));
  const out = [
    endpointMarker(endpointName),
    `## Azure ML endpoint \`${endpointName.replace(/`/g, '')}\``,
    '',
  ];
  for (const [action, markdown] of ordered) {
    out.push(
      `<!-- azureml-deploy:section=${action} -->`,
      markdown,
      `<!-- /azureml-deploy:section=${action} -->`,
      '',
    );
  }
  const footer = [
    context?.runUrl ? `[workflow run](${context.runUrl})` : undefined,
    context?.sha ? `commit ${context.sha.slice(0, 7)}` : undefined,
  ].filter(Boolean);
  if (footer.length > 0) out.push(`<sub>Last updated by ${footer.join(', ')}.</sub>`);
  return `${out.join('\n').trimEnd()}\n`;
}

/** Sections of an existing comment by action, in their order. */
export function parseSections(body: string): Map<string, string> {
  const sections = new Map<string, string>();
  const re = /<!-- azureml-deploy:section=([a-z-]+) -->\n([\s\S]*?)\n<!-- \/azureml-deploy:section=\1 -->/g;
  for (const m of body.matchAll(re)) sections.set(m[1]!, m[2]!);
  return sections;
}

interface FoundComment {
  id: number;
  body: string;
  url?: string;
}

async function findEndpointComment(
  request: GitHubRequest,
  context: GitHubContext,
  issue: number,
  endpointName: string,
): Promise<FoundComment | undefined> {
  const marker = endpointMarker(endpointName);
  for (let page = 1; page <= MAX_PAGES; page++) {
    const res = await request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      owner: context.owner,
      repo: context.repo,
      issue_number: issue,
      per_page: PAGE_SIZE,
      page,
    });
    const comments = Array.isArray(res.data) ? (res.data as unknown[]) : [];
    for (const c of comments) {
      const body = (c as { body?: unknown }).body;
      const id = commentId(c);
      // Only a comment that starts with the marker: a human quoting it elsewhere is not ours.
      if (typeof body === 'string' && id !== undefined && body.trimStart().startsWith(marker)) {
        const url = htmlUrl(c);
        return { id, body, ...(url ? { url } : {}) };
      }
    }
    if (comments.length < PAGE_SIZE) return undefined;
  }
  return undefined;
}

function commentId(data: unknown): number | undefined {
  const id = (data as { id?: unknown } | null)?.id;
  return typeof id === 'number' ? id : undefined;
}

function htmlUrl(data: unknown): string | undefined {
  const url = (data as { html_url?: unknown } | null)?.html_url;
  return typeof url === 'string' ? url : undefined;
}

function markerSafe(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** A log tail that happens to contain our markers must not split the comment when it is parsed again. */
function neutralizeMarkers(markdown: string): string {
  return markdown.replace(/<!--(\s*\/?azureml-deploy:)/g, '&lt;!--$1');
}

/** Cuts at a line boundary and closes a code fence left open, so the rest of the comment still renders. */
export function capSection(markdown: string, max = MAX_SECTION_CHARS): string {
  if (markdown.length <= max) return markdown;
  const lines = markdown.slice(0, max).split('\n');
  lines.pop();
  let openFence: string | undefined;
  let openDetails = 0;
  for (const line of lines) {
    const fence = /^(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence && openFence === undefined) openFence = fence;
    else if (fence && openFence && isClosingFence(line, openFence)) openFence = undefined;
    else if (openFence === undefined) {
      if (line.startsWith('<details')) openDetails++;
      else if (line.startsWith('</details>')) openDetails = Math.max(0, openDetails - 1);
    }
  }
  if (openFence) lines.push(openFence);
  for (let i = 0; i < openDetails; i++) lines.push('', '</details>');
  lines.push('', '_(cut to fit a comment: see the job summary for the rest)_');
  return lines.join('\n');
}

function isClosingFence(line: string, opener: string): boolean {
  const t = line.trim();
  return t.length >= opener.length && t === (opener[0] as string).repeat(t.length);
}
