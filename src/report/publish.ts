// Publishes a finished Report beyond the job summary: the PR comment, the GitHub Deployment status and the
// artifact of logs. Called once at the end of an action. Never throws: a refused comment or a failed upload
// is a warning, and must not turn a good deploy into a failed one.

import { errorMessage } from '../errors.ts';
import type { SecretSet } from '../io/redact.ts';
import type { Log } from '../log.ts';
import {
  type ArtifactResult,
  artifactName,
  shouldUploadArtifacts,
  type UploadArtifactsMode,
  type UploadFn,
  uploadReportArtifacts,
} from './artifacts.ts';
import { createGitHubRequest, type GitHubRequest } from './github-client.ts';
import { type GitHubContext, readGitHubContext } from './github-context.ts';
import {
  finishGitHubDeployment,
  type GitHubDeploymentTarget,
  setLatestDeploymentStatus,
  startGitHubDeployment,
} from './github-deployment.ts';
import { type PrCommentMode, type PrCommentResult, shouldComment, upsertPrComment } from './pr-comment.ts';
import type { ActionName, Report } from './report.ts';
import { renderSection } from './summary.ts';

export type PublishAction = ActionName | 'pipeline';

export interface PublishOptions {
  /** The `pr-comment` input. */
  prComment: PrCommentMode;
  /** The `github-deployment` input: a GitHub environment name; unset means no Deployment. */
  githubDeployment?: string;
  /** The `upload-artifacts` input. */
  uploadArtifacts: UploadArtifactsMode;
  /** The `github-token` input. */
  token?: string;
  /** Marks the environment transient (a preview GitHub may hide once inactive). Default: the run is for a PR. */
  transientEnvironment?: boolean;
}

export interface PublishInput {
  action: PublishAction;
  endpointName?: string;
  scoringUri?: string;
  /** How the action ended. */
  state: 'success' | 'failure';
  options: PublishOptions;
  /** Logs, plan JSON, smoke transcripts: uploaded (redacted) when `upload-artifacts` says so. */
  files: string[];
  secrets: SecretSet;
  log: Log;
  env: NodeJS.ProcessEnv;
  /** GitHub REST calls; default Octokit from @actions/github with `options.token`. */
  request?: GitHubRequest;
  /** Artifact upload; default @actions/artifact. */
  upload?: UploadFn;
}

export interface PublishResult {
  comment?: PrCommentResult;
  deploymentId?: number;
  artifact?: ArtifactResult;
}

export async function publishReport(report: Report, input: PublishInput): Promise<PublishResult> {
  const { options, endpointName } = input;
  const token = options.token;
  const redact = (text: string) => {
    const out = input.secrets.redact(text);
    return token && token.length >= 4 ? out.split(token).join('***') : out;
  };
  const log = redactingLog(input.log, redact);
  const result: PublishResult = {};

  let context: GitHubContext | undefined;
  try {
    context = readGitHubContext(input.env);
  } catch (err) {
    log.warn(`could not read the GitHub context: ${errorMessage(err)}`);
  }
  let request: Promise<GitHubRequest> | undefined;
  const github = (ctx: GitHubContext) => {
    request ??= input.request ? Promise.resolve(input.request) : createGitHubRequest(token!, ctx.apiUrl);
    return request;
  };

  // First, so the PR comment (and a summary rendered after publishing) can link the artifact.
  await step(log, 'artifact', async () => {
    if (!shouldUploadArtifacts(options.uploadArtifacts, input.state === 'failure')) {
      log.debug(`artifact: not uploaded (upload-artifacts: ${options.uploadArtifacts}, ${input.state})`);
      if (context) {
        report.artifact = {
          uploaded: false,
          reason:
            options.uploadArtifacts === 'never'
              ? 'upload-artifacts: never'
              : `upload-artifacts: ${options.uploadArtifacts}, and the run ${input.state === 'failure' ? 'failed' : 'succeeded'}`,
        };
      }
      return;
    }
    const runAttempt = context?.runAttempt ?? input.env['GITHUB_RUN_ATTEMPT'];
    let skipped: string | undefined;
    const artifact = await uploadReportArtifacts({
      name: artifactName(input.action, endpointName, runAttempt),
      files: input.files,
      secrets: input.secrets,
      log,
      env: input.env,
      ...(input.upload ? { upload: input.upload } : {}),
      onSkipped: (reason) => {
        skipped = reason;
      },
    });
    if (artifact) {
      result.artifact = artifact;
      const url = artifactUrl(context, artifact.id);
      report.artifact = { uploaded: true, name: artifact.name, ...(url ? { url } : {}) };
    } else if (skipped && context) {
      report.artifact = { uploaded: false, reason: skipped };
    }
  });

  await step(log, 'PR comment', async () => {
    const decision = shouldComment(options.prComment, context, !!token || !!input.request);
    if (!decision.comment) {
      const message = `PR comment skipped: ${decision.reason}`;
      if (options.prComment === 'true') log.warn(message);
      else log.debug(message);
      return;
    }
    if (!endpointName) {
      log.debug('PR comment skipped: no endpoint name');
      return;
    }
    const section = report.sections.map((s) => ({
      action: s.action,
      markdown: redact(renderSection(s, report.artifact)),
    }));
    if (section.length === 0) return;
    result.comment = await upsertPrComment({
      context: context!,
      endpointName,
      section,
      log,
      request: await github(context!),
    });
  });

  await step(log, 'GitHub Deployment', async () => {
    const environment = options.githubDeployment;
    if (!environment) return;
    if (!context) {
      log.debug('GitHub Deployment skipped: not running on GitHub');
      return;
    }
    if (!token && !input.request) {
      log.warn('GitHub Deployment skipped: no github-token');
      return;
    }
    if (report.sections.length > 0 && report.sections.every((s) => s.status === 'planned')) {
      log.debug('GitHub Deployment skipped: dry run');
      return;
    }
    const target: GitHubDeploymentTarget = { context, environment, log, request: await github(context) };
    const id = await updateDeployment(report, input, target);
    if (id !== undefined) result.deploymentId = id;
  });

  return result;
}

/**
 * deploy-model and the pipeline create the Deployment and end it in success or failure (the pipeline then
 * marks it inactive when `delete-after` deleted the endpoint); delete-service marks the environment inactive;
 * a failed smoke test marks the latest Deployment failed.
 */
async function updateDeployment(
  report: Report,
  input: PublishInput,
  target: GitHubDeploymentTarget,
): Promise<number | undefined> {
  const name = input.endpointName ? `endpoint ${input.endpointName}` : 'Azure ML endpoint';
  switch (input.action) {
    case 'deploy-model':
    case 'pipeline': {
      const deployment = await startGitHubDeployment({
        ...target,
        transient: input.options.transientEnvironment ?? target.context.pullRequest !== undefined,
        description: `Azure ML ${name}`,
      });
      if (!deployment) return undefined;
      const scoringUri = input.scoringUri ? stripQuery(input.scoringUri) : undefined;
      await finishGitHubDeployment({
        ...target,
        deployment,
        state: input.state,
        ...(scoringUri ? { environmentUrl: scoringUri } : {}),
        description: input.state === 'success' ? `${name} is serving` : `${name}: ${input.action} failed`,
      });
      const deleted = report.sections.some((s) => s.action === 'delete-service' && s.status === 'succeeded');
      if (input.action === 'pipeline' && deleted) {
        await finishGitHubDeployment({
          ...target,
          deployment,
          state: 'inactive',
          description: `${name} deleted`,
        });
      }
      return deployment.id;
    }
    case 'delete-service':
      if (input.state !== 'success') return undefined;
      return setLatestDeploymentStatus({ ...target, state: 'inactive', description: `${name} deleted` });
    case 'smoke-test-service':
      if (input.state !== 'failure') return undefined;
      return setLatestDeploymentStatus({
        ...target,
        state: 'failure',
        description: `${name}: smoke test failed`,
      });
    default:
      return undefined;
  }
}

async function step(log: Log, what: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    log.warn(`could not publish the ${what}: ${errorMessage(err)}`);
  }
}

/** Whatever reaches the log from here (GitHub error messages included) passes through the redactor. */
function redactingLog(log: Log, redact: (text: string) => string): Log {
  return {
    info: (m) => log.info(redact(m)),
    warn: (m, where) => log.warn(redact(m), where),
    error: (m, where) => log.error(redact(m), where),
    debug: (m) => log.debug(redact(m)),
    group: (title, fn) => log.group(redact(title), fn),
  };
}

/** The artifact's page (`…/actions/runs/<run>/artifacts/<id>`, as upload-artifact's artifact-url), else the run's list. */
export function artifactUrl(context: GitHubContext | undefined, id: number | undefined): string | undefined {
  if (!context?.runId) return undefined;
  const run = `${context.serverUrl}/${context.repository}/actions/runs/${context.runId}`;
  return id !== undefined ? `${run}/artifacts/${id}` : `${run}#artifacts`;
}

/** A scoring URI should carry no credentials, but a SAS-style query must never become a public link. */
function stripQuery(uri: string): string {
  const i = uri.search(/[?#]/);
  return i === -1 ? uri : uri.slice(0, i);
}
