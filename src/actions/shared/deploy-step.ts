// The deploy step of deploy-model and the pipeline: inputs and files → the request and options a target
// deploys (setUpDeploy: no side effect, files read and checked), then the deployment with its report section
// and outputs (runDeploy).

import path from 'node:path';
import type { ConfigNote, LoadedDeploymentConfig } from '../../config/spec.ts';
import { assertInsideWorkspace } from '../../content/workspace-path.ts';
import { UsageError } from '../../errors.ts';
import type { Log } from '../../log.ts';
import { loadRequests } from '../../probe/requests.ts';
import { openTarget } from '../../targets/open-target.ts';
import {
  DeployFailure,
  type DeployOptions,
  type DeployOutcome,
  type DeployRequest,
  type PreparedDeployment,
  type Target,
  type TargetDeps,
} from '../../targets/target.ts';
import type { deployInputs, deployOutputs } from '../deploy-model/inputs.ts';
import type { ActionContext } from './action-definition.ts';
import type { ParsedInputs } from './define-inputs.ts';
import { configOverrides, mergeDeployRequest } from './merge-spec.ts';
import { writeDeployOutputs } from './outputs.ts';
import { relativeToWorkspace } from './run-action.ts';

export type DeployInputs = ParsedInputs<typeof deployInputs>;

export interface DeploySetup {
  target: Target;
  request: DeployRequest;
  options: DeployOptions;
}

/** Loads every config file, merges the inputs over it, opens the target. */
export async function setUpDeploy(inputs: DeployInputs, deps: TargetDeps): Promise<DeploySetup> {
  const loaded = await loadDeployConfig(inputs, deps);
  logConfigNotes(loaded, deps);
  if (inputs.strict && loaded?.notes.some((n) => n.ignoredKey)) {
    const { strictKeysError } = await import('../../config/known-keys.ts');
    const err = strictKeysError(loaded.notes, (f) => relativeToWorkspace(f, deps.cwd));
    if (err) throw err;
  }
  const target = await openTarget(inputs, deps, {
    timeoutMinutes: inputs['timeout-minutes'],
    ...(loaded?.targetHint ? { hint: loaded.targetHint } : {}),
  });
  const request = mergeDeployRequest(inputs, loaded, deps.cwd, deps.env);
  await checkInsideWorkspace(request, inputs, deps);
  if (!inputs.wait) {
    deps.io.warn(
      'wait: false is not supported yet: the deployment is waited for (within timeout-minutes) so that traffic moves safely',
    );
  }
  const options: DeployOptions = {
    timeoutMinutes: inputs['timeout-minutes'],
    dryRun: inputs['dry-run'],
    ...(inputs.traffic ? { traffic: inputs.traffic } : {}),
    ...(inputs['mirror-traffic'] ? { mirrorTraffic: inputs['mirror-traffic'] } : {}),
    ...(inputs['smoke-request-file']
      ? {
          smokeRequests: await loadRequests({
            requestFile: inputs['smoke-request-file'],
            baseDir: deps.cwd,
          }),
        }
      : {}),
    rollbackOnFailure: inputs['rollback-on-failure'],
    followSymlinks: inputs['follow-symlinks'],
    progressive: {
      stepWaitSeconds: inputs['step-wait-seconds'] ?? 60,
      stepRequests: inputs['step-requests'] ?? 50,
      maxErrorRateIncrease: inputs['max-error-rate-increase'] ?? 0.01,
      maxLatencyRatio: inputs['max-latency-ratio'] ?? 1.5,
      mirrorFirstSeconds: inputs['mirror-first-seconds'] ?? 0,
    },
    deleteFailedDeployment: inputs['delete-failed-deployment'],
    runtime: inputs['local-runtime'],
    ...(inputs.python ? { python: inputs.python } : {}),
  };
  return { target, request, options };
}

/**
 * Deploys, records the section, writes the outputs (also of a failed deployment, before rethrowing). The
 * config files' ignored keys (`configNotes`, the request's notes) are a table of the section.
 */
export async function runDeploy(
  target: Target,
  deployment: PreparedDeployment,
  ctx: Pick<ActionContext<typeof deployOutputs>, 'report' | 'setOutput' | 'deps'>,
  configNotes: readonly ConfigNote[] = [],
): Promise<DeployOutcome> {
  const section = ctx.report.section(
    'deploy-model',
    `Deploy ${deployment.endpointName}/${deployment.deploymentName}`,
  );
  const ignored = configNotes.filter((n) => n.ignoredKey);
  if (ignored.length > 0) {
    section.tables.push({
      caption: 'Ignored keys of the config files (strict: true makes them an error)',
      columns: ['Where', 'Key', 'Why', 'Did you mean'],
      rows: ignored.map((n) => [
        n.file
          ? `${relativeToWorkspace(n.file, ctx.deps.cwd)}${n.line ? `:${n.line}` : ''}`
          : (n.message.split(':')[0] ?? ''),
        n.field ?? '',
        n.ignoredKey === 'unknown' ? 'unknown key' : whyIgnored(n),
        n.suggestion ?? '',
      ]),
    });
  }
  try {
    const outcome = await deployment.deploy(ctx.report, section);
    writeDeployOutputs(outcome, ctx);
    return outcome;
  } catch (err) {
    if (err instanceof DeployFailure) writeDeployOutputs(err.outcome, ctx);
    throw err;
  } finally {
    section.notes.push(...target.notes());
  }
}

/** On a runner, the model and code folders come from the checkout (unless follow-symlinks allows more). */
async function checkInsideWorkspace(
  request: DeployRequest,
  inputs: DeployInputs,
  deps: TargetDeps,
): Promise<void> {
  const rule = {
    workspace: deps.env['GITHUB_WORKSPACE'],
    allowOutside: inputs['follow-symlinks'],
    cwd: deps.cwd,
  };
  if (request.model?.kind === 'path') {
    await assertInsideWorkspace(request.model.path, {
      ...rule,
      input: inputs.model ? 'model' : 'deployment-file',
    });
  }
  const code = request.code?.code;
  if (code?.kind === 'path') {
    await assertInsideWorkspace(code.path, {
      ...rule,
      input: inputs['code-path'] ? 'code-path' : 'deployment-file',
    });
  }
}

/** Opens the target a deployment went to (the `post:` step): the config files can name it (v1 local). */
export async function openDeployTarget(inputs: DeployInputs, deps: TargetDeps): Promise<Target> {
  const loaded = await loadDeployConfig(inputs, deps);
  return openTarget(inputs, deps, {
    timeoutMinutes: inputs['timeout-minutes'],
    ...(loaded?.targetHint ? { hint: loaded.targetHint } : {}),
  });
}

async function loadDeployConfig(
  inputs: DeployInputs,
  { cwd, env }: Pick<TargetDeps, 'cwd' | 'env'>,
): Promise<LoadedDeploymentConfig | undefined> {
  const file = (name: keyof DeployInputs) => {
    const value = inputs[name];
    return typeof value === 'string' ? path.resolve(cwd, value) : undefined;
  };
  const files = {
    ...(inputs['endpoint-file'] ? { endpointFile: file('endpoint-file')! } : {}),
    ...(inputs['deployment-file'] ? { deploymentFile: file('deployment-file')! } : {}),
    ...(inputs['inference-config'] ? { inferenceConfig: file('inference-config')! } : {}),
    ...(inputs['deployment-config'] ? { deploymentConfig: file('deployment-config')! } : {}),
  };
  if (Object.keys(files).length === 0) {
    if (inputs.set.length > 0)
      throw new UsageError('changes fields of the deployment YAML: give deployment-file', 'set');
    return undefined;
  }
  // The YAML/JSON loaders (and their schemas) load only when a file is given: start-up stays small.
  const { loadDeploymentConfig } = await import('../../config/load-deployment-config.ts');
  return loadDeploymentConfig(files, configOverrides(inputs, env));
}

/** `data_collector: is not supported by this tool; ignored` → `is not supported by this tool`. */
function whyIgnored(note: ConfigNote): string {
  const reason =
    note.field && note.message.includes(`${note.field}: `)
      ? note.message.slice(note.message.indexOf(`${note.field}: `) + note.field.length + 2)
      : note.message;
  return reason.replace(/;? ?ignored$/, '').replace(/^is /, '');
}

function logConfigNotes(
  loaded: LoadedDeploymentConfig | undefined,
  { io: log, cwd }: { io: Log; cwd: string },
): void {
  for (const note of loaded?.notes ?? []) {
    // Annotations name files relative to the workspace, as GitHub needs them (and as errors do).
    const file = note.file ? relativeToWorkspace(note.file, cwd) : undefined;
    const where = file ? { file, ...(note.line ? { line: note.line } : {}) } : undefined;
    // Notes that already name their field are not prefixed again (no `instance_cuont: instance_cuont:`).
    const named = note.field !== undefined && note.message.includes(note.field);
    const text = `${note.field && !named ? `${note.field}: ` : ''}${note.message}`;
    if (note.level === 'warning') log.warn(text, where);
    else
      log.info(
        `${note.file ? `${path.basename(note.file)}${note.line ? `:${note.line}` : ''}: ` : ''}${text}`,
      );
  }
}
