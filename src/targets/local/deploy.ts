// deploy-model on the local target: resolve the model through the local registry, then start (or keep)
// the entry script's host process and wait for it to answer.

import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ModelRef } from '../../config/spec.ts';
import { hashContent } from '../../content/content-hash.ts';
import { UsageError } from '../../errors.ts';
import type { ActionIO } from '../../io/action-io.ts';
import { writePrivateFile } from '../../io/private-file.ts';
import { type Log, silentLog } from '../../log.ts';
import { LocalModelRegistry } from '../../registry/local-registry.ts';
import type { RegisteredModel } from '../../registry/model-registry.ts';
import { addFacts, fact, type Report, type ReportSection } from '../../report/report.ts';
import {
  DeployFailure,
  type DeployOptions,
  type DeployOutcome,
  type DeployRequest,
  inlineModelNameOf,
  inlineModelSpec,
  type TargetDeps,
} from '../target.ts';
import { ensureEndpointKey, localAuthFor } from './endpoint-key.ts';
import { type HostLaunchRequest, planHostLaunch } from './find-host.ts';
import {
  getLocalServiceStatus,
  type LocalServiceFailed,
  type LocalServiceRequest,
  type LocalServiceResult,
  localDeploymentFingerprint,
  startLocalService,
} from './local-service.ts';

/** DeployOptions, and where the local target keeps its state. */
export interface LocalDeployOptions extends DeployOptions {
  localDir: string;
}

export interface LocalPlan {
  target: 'local';
  dryRun: boolean;
  endpoint: { name: string };
  deployment: { name: string; action: 'create' | 'replace' | 'none' | 'create-or-replace'; reason: string };
  model: { ref: string; action: 'register' | 'reuse' | 'use' };
  runtime: string;
}

/** Checks what only the local target needs, before any side effect (the model is registered first). */
export function validateLocalRequest(
  req: DeployRequest,
  host: { python?: string | undefined; runtime: 'auto' | 'docker'; env: NodeJS.ProcessEnv },
): void {
  if (!req.code && servesMlflowWithoutCode(req)) {
    validateLocalModelRef(req);
    // Throws when the interpreter is missing or the runtime is docker.
    planHostLaunch(
      {
        ...hostCheckRequest(req, host),
        codeDir: '',
        scoringScript: '',
        mlflowModelFolder: '',
      },
      { env: host.env },
    );
    return;
  }
  const code = req.code?.code;
  if (code?.kind !== 'path') {
    throw new UsageError(
      req.code
        ? 'the local target runs an entry script from a local folder: give code-path (a registered code asset needs target: azureml)'
        : 'the local target runs an entry script: give code-path and scoring-script (or code_configuration in the deployment file); only an mlflow_model (model type: mlflow_model) deploys without code',
      'code-path',
    );
  }
  if (!existsSync(path.join(code.path, req.code!.scoringScript))) {
    throw new UsageError(
      `scoring script ${req.code!.scoringScript} was not found in ${code.path}`,
      'scoring-script',
    );
  }
  validateLocalModelRef(req);
  // Throws when the interpreter, docker or the image is missing.
  planHostLaunch(
    { ...hostCheckRequest(req, host), codeDir: code.path, scoringScript: req.code!.scoringScript },
    { env: host.env },
  );
}

function validateLocalModelRef(req: DeployRequest): void {
  if (req.model && (req.model.kind === 'arm-id' || req.model.kind === 'registry')) {
    throw new UsageError(
      `the local target cannot fetch ${req.model.kind === 'arm-id' ? req.model.id : req.model.uri}; use a local path or a model registered locally (NAME:VERSION)`,
      'model',
    );
  }
}

/** The host command's fields that do not depend on the code, for the checks before any side effect. */
function hostCheckRequest(
  req: DeployRequest,
  host: { python?: string | undefined; runtime: 'auto' | 'docker' },
): Omit<HostLaunchRequest, 'codeDir' | 'scoringScript'> {
  const image = req.environment?.kind === 'inline' ? req.environment.image : undefined;
  return {
    runtime: host.runtime,
    endpointName: req.endpointName,
    deploymentName: req.deploymentName,
    modelDir: '',
    modelName: '',
    modelVersion: '',
    environmentVariables: req.environmentVariables,
    port: req.port ?? 0,
    host: '127.0.0.1',
    ...(host.python ? { python: host.python } : {}),
    ...(image ? { image } : {}),
  };
}

/**
 * A deployment without code_configuration of an mlflow_model is served as Azure serves it (no-code): an inline
 * model says its type; a registered one (NAME:VERSION) is checked once resolved (resolveModel).
 */
function servesMlflowWithoutCode(req: DeployRequest): boolean {
  const m = req.model;
  if (!m) return false;
  return m.kind === 'path' ? m.type === 'mlflow_model' : m.kind === 'version' || m.kind === 'latest';
}

/** The registered artifact's folder name inside the model version folder (MLFLOW_MODEL_FOLDER). */
function artifactFolder(model: RegisteredModel): string {
  return path.basename(model.uri.replace(/^file:\/\//, ''));
}

/** Deploys a request validateLocalRequest accepted. */
export async function deployLocal(
  req: DeployRequest,
  opts: LocalDeployOptions,
  deps: TargetDeps,
  report: Report,
  section: ReportSection,
): Promise<DeployOutcome> {
  const log = deps.io;
  const code = req.code;
  const registry = new LocalModelRegistry(opts.localDir, () => deps.clock.now());
  const deadline = deps.clock.now() + opts.timeoutMinutes * 60_000;
  const image = req.environment?.kind === 'inline' ? req.environment.image : undefined;
  const auth = localAuthFor(req.endpoint.authMode);
  if (auth === 'none') {
    log.warn(
      `${req.endpointName}: auth_mode aad_token is not enforced locally (a Microsoft Entra token cannot be checked on this machine): the local endpoint answers without auth`,
    );
  }

  const baseRequest = (model: RegisteredModel | undefined): LocalServiceRequest => ({
    localDir: opts.localDir,
    endpointName: req.endpointName,
    deploymentName: req.deploymentName,
    modelDir: model?.localDir ?? '',
    modelName: model?.name ?? '',
    modelVersion: model?.version ?? '',
    ...(model ? { modelContentHash: model.contentHash } : {}),
    // No code: a no-code mlflow_model, served in its version folder (host.py --mlflow-model).
    ...(code
      ? { codeDir: code.code.kind === 'path' ? code.code.path : '', scoringScript: code.scoringScript }
      : {
          codeDir: model?.localDir ?? '',
          scoringScript: '',
          mlflowModelFolder: model ? artifactFolder(model) : '',
        }),
    environmentVariables: req.environmentVariables,
    ...(opts.python ? { python: opts.python } : {}),
    ...(req.port !== undefined ? { port: req.port } : {}),
    runtime: opts.runtime,
    ...(image ? { image } : {}),
    ...(auth === 'key' ? { auth } : {}),
    deadline,
  });

  addFacts(
    section,
    fact('Target', 'local'),
    fact('Endpoint', req.endpointName),
    fact('Deployment', req.deploymentName),
  );

  if (opts.dryRun) {
    const plan = await planLocal(req, registry, opts, baseRequest);
    log.info(`dry run: ${describeLocalPlan(plan)}`);
    addFacts(section, fact('Plan', describeLocalPlan(plan)));
    report.finish(section, 'planned');
    return {
      endpointName: req.endpointName,
      deploymentName: req.deploymentName,
      state: 'Transitioning',
      provisioningState: 'NotStarted',
      changed: plan.deployment.action !== 'none',
      plan,
    };
  }

  const model = req.model ? await resolveModel(req.model, registry, log, opts.followSymlinks) : undefined;
  if (!code && model?.type !== 'mlflow_model') {
    throw new UsageError(
      `model ${model?.id ?? ''} is a ${model?.type ?? 'custom_model'}: only an mlflow_model deploys without code; give code-path and scoring-script`,
      'code-path',
    );
  }
  if (model) {
    report.event(
      section,
      req.model?.kind === 'path' && !model.reused ? `model ${model.id} registered` : `model ${model.id}`,
    );
    addFacts(section, fact('Model', model.id, { code: true }));
  }
  report.event(section, 'starting the entry script host');
  const serviceRequest = baseRequest(model);
  if (auth === 'key') {
    // The endpoint's key, as Azure keeps one per endpoint: the same across redeploys, masked everywhere.
    const { key, created } = await ensureEndpointKey(opts.localDir, req.endpointName);
    deps.io.setSecret(key);
    serviceRequest.scoringKey = key;
    // A new key (the key file was removed) cannot be the one a running host checks: restart it.
    if (created) serviceRequest.force = true;
  }
  let result = await startLocalService(serviceRequest, {
    clock: deps.clock,
    log,
    ...(deps.spawn ? { spawn: deps.spawn as never } : {}),
    env: deps.env,
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  if (result.state === 'Failed') result = await writeFailedLog(result, deps.io);
  const plan: LocalPlan = {
    target: 'local',
    dryRun: false,
    endpoint: { name: req.endpointName },
    deployment: {
      name: req.deploymentName,
      action:
        result.state === 'Healthy' && !result.changed
          ? 'none'
          : result.state === 'Healthy' && result.replaced
            ? 'replace'
            : 'create',
      reason: result.state === 'Healthy' && !result.changed ? 'unchanged and Healthy' : 'new or changed',
    },
    model: {
      ref: model?.id ?? '(none)',
      action: req.model?.kind === 'path' ? (model?.reused ? 'reuse' : 'register') : 'use',
    },
    runtime: result.runtime,
  };
  return finishLocal(req, result, plan, report, section, log);
}

/**
 * The failed attempt's part of the host log, redacted with every secret the run knows, as the logs file (mode
 * 0600) beside the host's own log: the host writes that one directly and keeps running past this step.
 */
async function writeFailedLog(result: LocalServiceFailed, io: ActionIO): Promise<LocalServiceFailed> {
  const file = result.logFile.replace(/\.log$/, '.failed.log');
  await writePrivateFile(file, io.redact(result.attemptLog));
  return { ...result, logTail: io.redact(result.logTail), error: io.redact(result.error), logFile: file };
}

function finishLocal(
  req: DeployRequest,
  result: LocalServiceResult,
  plan: LocalPlan,
  report: Report,
  section: ReportSection,
  log: Log,
): DeployOutcome {
  const base = { endpointName: req.endpointName, deploymentName: req.deploymentName, plan };
  if (result.state === 'Healthy') {
    report.event(
      section,
      result.changed ? `Healthy (pid ${result.pid}, port ${result.port})` : 'unchanged: already Healthy',
    );
    addFacts(
      section,
      fact('State', 'Healthy'),
      fact('Changed', result.changed ? 'yes' : 'no (identical deployment already Healthy)'),
      fact('Scoring URI', result.scoringUri, { code: true }),
      fact('Runtime', result.runtime),
      fact('Log', result.logFile, { code: true }),
    );
    report.finish(section, result.changed ? 'succeeded' : 'unchanged');
    log.info(
      `${req.endpointName}/${req.deploymentName} is Healthy at ${result.scoringUri}${result.changed ? '' : ' (unchanged)'}`,
    );
    return {
      ...base,
      state: 'Healthy',
      provisioningState: 'Succeeded',
      changed: result.changed,
      scoringUri: result.scoringUri,
      swaggerUri: result.swaggerUri,
    };
  }
  addFacts(section, fact('State', 'Failed'), fact('Runtime', result.runtime));
  report.fail(section, result.error, result.logTail, result.logFile);
  // The error itself is printed once, by the action's error path (the DeployFailure below); here the log tail.
  log.info(`--- log tail (${result.logFile}) ---\n${result.logTail}`);
  throw new DeployFailure(
    `deployment ${req.endpointName}/${req.deploymentName} Failed: ${result.error} (log: ${result.logFile})`,
    { ...base, state: 'Failed', provisioningState: 'Failed', changed: true, logsFile: result.logFile },
  );
}

export async function resolveModel(
  ref: ModelRef,
  registry: LocalModelRegistry,
  log: Log,
  followSymlinks = false,
): Promise<RegisteredModel> {
  switch (ref.kind) {
    case 'path': {
      const model = await registry.register(inlineModelSpec(ref), { dedupe: true, followSymlinks });
      log.info(
        `model ${model.id} ${model.reused ? 'reused (identical content)' : 'registered'} from ${ref.path}`,
      );
      return model;
    }
    case 'version':
    case 'latest': {
      const model = await registry.resolve(ref.name, ref.kind === 'version' ? ref.version : undefined);
      if (!model) {
        const what = ref.kind === 'version' ? `${ref.name}:${ref.version}` : `${ref.name}@latest`;
        throw new UsageError(
          `model ${what} is not in the local registry; register it first (register-model with target: local) or give a path`,
          'model',
        );
      }
      return model;
    }
    default:
      throw new UsageError('this model reference needs target: azureml', 'model');
  }
}

async function planLocal(
  req: DeployRequest,
  registry: LocalModelRegistry,
  opts: LocalDeployOptions,
  baseRequest: (model: RegisteredModel | undefined) => LocalServiceRequest,
): Promise<LocalPlan> {
  let model: RegisteredModel | undefined;
  let modelPlan: LocalPlan['model'] = { ref: '(none)', action: 'use' };
  if (req.model?.kind === 'path') {
    const name = inlineModelNameOf(req.model);
    const hash = (await hashContent(req.model.path, undefined, { followSymlinks: opts.followSymlinks })).hash;
    const latest = await registry.resolve(name, req.model.version);
    if (latest && latest.contentHash === hash) {
      model = latest;
      modelPlan = { ref: latest.id, action: 'reuse' };
    } else {
      modelPlan = { ref: `${name} from ${req.model.path} (${hash})`, action: 'register' };
    }
  } else if (req.model) {
    model = await resolveModel(req.model, registry, silentLog);
    modelPlan = { ref: model.id, action: 'use' };
  }
  const status = await getLocalServiceStatus(opts.localDir, req.endpointName, req.deploymentName);
  let deployment: LocalPlan['deployment'];
  if (status.status === 'NotFound')
    deployment = { name: req.deploymentName, action: 'create', reason: 'no such local deployment' };
  else if (status.status === 'Unhealthy')
    deployment = { name: req.deploymentName, action: 'replace', reason: status.reason ?? 'Unhealthy' };
  else if (model || !req.model) {
    const fp = await localDeploymentFingerprint(baseRequest(model));
    deployment =
      fp === status.state?.fingerprint
        ? { name: req.deploymentName, action: 'none', reason: 'unchanged and Healthy' }
        : {
            name: req.deploymentName,
            action: 'replace',
            reason: localChanges(status.state, baseRequest(model)),
          };
  } else {
    deployment = {
      name: req.deploymentName,
      action: 'replace',
      reason: `model: ${status.state?.modelId || '(none)'} → a new version (${modelPlan.ref})`,
    };
  }
  return {
    target: 'local',
    dryRun: true,
    endpoint: { name: req.endpointName },
    deployment,
    model: modelPlan,
    runtime: opts.runtime,
  };
}

/** What differs from the running deployment, field by field (`model: azureml:m:1 → azureml:m:2`). */
function localChanges(
  state: { modelId: string; codeDir: string; scoringScript: string } | undefined,
  next: LocalServiceRequest,
): string {
  if (!state) return 'not recorded before';
  const modelId = next.modelDir ? `azureml:${next.modelName}:${next.modelVersion}` : '';
  const changes: string[] = [];
  if (state.modelId !== modelId) changes.push(`model: ${state.modelId || '(none)'} → ${modelId || '(none)'}`);
  if (next.codeDir && path.resolve(state.codeDir) !== path.resolve(next.codeDir))
    changes.push(`code: ${state.codeDir} → ${path.resolve(next.codeDir)}`);
  if (state.scoringScript !== next.scoringScript)
    changes.push(`scoring_script: ${state.scoringScript || '(none)'} → ${next.scoringScript || '(none)'}`);
  // The rest is in the fingerprint only (values of environment variables are never recorded).
  return changes.length > 0
    ? changes.join(', ')
    : 'the code content, environment variables, interpreter, runtime or port changed';
}

export function describeLocalPlan(plan: LocalPlan): string {
  const d = plan.deployment;
  const verb = d.action === 'none' ? 'keep' : d.action;
  return `${verb} local deployment ${plan.endpoint.name}/${d.name} (${d.reason}); model ${plan.model.action} ${plan.model.ref}`;
}
