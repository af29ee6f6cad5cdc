// deploy-model of a batch deployment on the local target: nothing runs between jobs, so deploying means
// checking that the scoring script imports and its init() succeeds with the chosen interpreter (the bundled
// batch_driver.py --check, AZUREML_MODEL_DIR set as on Azure), then recording the deployment (that interpreter
// included, so jobs use it again) and, by the `traffic` rule, the endpoint's default deployment. A check that
// fails records nothing: the previous deployment and default stay. An unchanged re-run is not checked again.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { BatchSettings } from '../../config/spec.ts';
import { UsageError } from '../../errors.ts';
import { LocalModelRegistry } from '../../registry/local-registry.ts';
import { addFacts, fact, type Report, type ReportSection } from '../../report/report.ts';
import { type BatchDefaultRule, batchDefaultRule } from '../batch-default.ts';
import {
  DeployFailure,
  type DeployOptions,
  type DeployOutcome,
  type DeployRequest,
  type PreparedDeployment,
  type TargetDeps,
} from '../target.ts';
import { runDriver } from './batch-driver.ts';
import {
  type LocalBatchDeploymentState,
  listBatchDeployments,
  readBatchDeployment,
  readBatchEndpoint,
  snapshotCode,
  writeBatchDeployment,
  writeBatchEndpoint,
} from './batch-state.ts';
import { resolveModel } from './deploy.ts';
import { choosePython } from './find-host.ts';
import { hashContent } from './fingerprint.ts';

export function prepareLocalBatchDeploy(
  request: DeployRequest,
  options: DeployOptions,
  localDir: string,
  deps: TargetDeps,
): PreparedDeployment {
  const { io } = deps;
  const ignored = {
    'mirror-traffic': options.mirrorTraffic,
    'smoke-request-file': options.smokeRequests && !options.gateWhenServing,
    'compute-name': request.computeName,
  };
  for (const [name, value] of Object.entries(ignored)) {
    if (value) io.warn(`${name} applies to Azure ML endpoints; the local target ignores it`);
  }
  if (options.runtime === 'docker') {
    io.warn('local-runtime docker serves online deployments; a local batch job runs the script with Python');
  }
  const code = request.code;
  if (code && code.code.kind !== 'path') {
    throw new UsageError(
      'the local target runs a scoring script from a local folder (code-path)',
      'code-path',
    );
  }
  if (code && !existsSync(path.join(code.code.kind === 'path' ? code.code.path : '', code.scoringScript))) {
    throw new UsageError(
      `scoring script ${code.scoringScript} was not found in the code folder`,
      'scoring-script',
    );
  }
  if (!code && !request.model) {
    throw new UsageError(
      'a batch deployment needs a scoring script (code_configuration) or an MLflow model (model)',
      'model',
    );
  }
  if (request.model?.kind === 'arm-id' || request.model?.kind === 'registry') {
    throw new UsageError(
      'the local target cannot fetch a model from Azure; use a local path or a model registered locally (NAME:VERSION)',
      'model',
    );
  }
  const python = choosePython(options.python, deps.env);
  const rule = batchDefaultRule(options.traffic, {
    deployment: request.deploymentName,
    endpointFileDefault: request.batch?.endpoint?.defaultDeployment,
  });
  return {
    endpointName: request.endpointName,
    deploymentName: request.deploymentName,
    useModel(ref) {
      request.model = ref;
    },
    deploy: (report, section) =>
      deployLocalBatch(request, { ...options, python }, rule, localDir, deps, report, section),
  };
}

async function deployLocalBatch(
  req: DeployRequest,
  options: DeployOptions & { python: string },
  rule: BatchDefaultRule,
  localDir: string,
  deps: TargetDeps,
  report: Report,
  section: ReportSection,
): Promise<DeployOutcome> {
  const { io } = deps;
  const settings: BatchSettings = req.batch?.deployment?.settings ?? {};
  addFacts(
    section,
    fact('Target', 'local batch endpoint'),
    fact('Endpoint', req.endpointName),
    fact('Deployment', req.deploymentName),
  );
  const endpointBefore = await readBatchEndpoint(localDir, req.endpointName);
  const deployments = await listBatchDeployments(localDir, req.endpointName);
  const defaultBefore = endpointBefore?.defaultDeployment;
  let defaultAfter = defaultBefore;
  if (rule.kind === 'this') defaultAfter = req.deploymentName;
  if (rule.kind === 'named') {
    if (!deployments.includes(rule.name)) {
      throw new UsageError(
        `the endpoint file makes '${rule.name}' the default deployment, but local batch endpoint '${req.endpointName}' has no such deployment`,
        'endpoint-file',
      );
    }
    defaultAfter = rule.name;
  }
  const asTraffic = (name: string | undefined) => (name ? { [name]: 100 } : {});
  const base = {
    endpointName: req.endpointName,
    deploymentName: req.deploymentName,
    previousTraffic: asTraffic(defaultBefore),
  };

  const registry = new LocalModelRegistry(localDir, () => deps.clock.now());
  if (options.dryRun) {
    const plan = {
      target: 'local',
      endpointKind: 'batch',
      dryRun: true,
      deployment: req.deploymentName,
      defaultDeployment: { before: defaultBefore ?? null, after: defaultAfter ?? null },
    };
    report.finish(section, 'planned');
    return {
      ...base,
      state: 'Transitioning',
      provisioningState: 'NotStarted',
      changed: true,
      plan,
      traffic: asTraffic(defaultBefore),
    };
  }
  const model = req.model ? await resolveModel(req.model, registry, io, options.followSymlinks) : undefined;
  if (model) addFacts(section, fact('Model', model.id, { code: true }));
  const code =
    req.code?.code.kind === 'path' ? { dir: req.code.code.path, script: req.code.scoringScript } : undefined;
  const modelDir = model?.localDir ?? '';
  const workers = Math.max(1, settings.maxConcurrencyPerInstance ?? 1);
  const fingerprint = createHash('sha256')
    .update(
      JSON.stringify({
        model: model ? [model.id, model.contentHash] : null,
        code: code ? [await hashContent(code.dir, localDir), code.script] : null,
        settings,
        workers,
        env: req.environmentVariables,
        python: options.python,
      }),
    )
    .digest('hex')
    .slice(0, 16);
  const existing = await readBatchDeployment(localDir, req.endpointName, req.deploymentName);
  const unchanged = existing?.fingerprint === fingerprint;

  let pythonVersion = existing?.pythonVersion;
  if (!unchanged) {
    report.event(section, `checking the scoring script with ${options.python}`);
    const logFile = path.join(localDir, 'logs', `batch-${req.endpointName}-${req.deploymentName}.log`);
    const check = await runDriver(
      {
        python: options.python,
        args: code ? ['--entry', code.script, '--check'] : ['--mlflow-model', modelDir, '--check'],
        cwd: code?.dir ?? (modelDir || deps.cwd),
        environmentVariables: req.environmentVariables,
        runtimeVariables: modelDir ? { AZUREML_MODEL_DIR: modelDir } : {},
        logFile,
        deadline: deps.clock.now() + options.timeoutMinutes * 60_000,
        ...(deps.signal ? { signal: deps.signal } : {}),
      },
      deps,
    );
    const result = check.events.find((e) => e.event === 'check');
    if (!result?.['ok']) {
      const error = io.redact(
        String(
          result?.['error'] ??
            (check.stopped
              ? `the check did not finish (${check.stopped})`
              : `the driver exited with code ${check.code}`),
        ),
      );
      const tail = io.redact(check.tail.join('\n'));
      addFacts(section, fact('State', 'Failed'), fact('Python', options.python, { code: true }));
      report.fail(
        section,
        `${error}. The previous deployment${defaultBefore ? ` and the default (${defaultBefore})` : ''} are unchanged.`,
        tail,
        logFile,
      );
      io.error(
        `${req.endpointName}/${req.deploymentName} failed its check: ${error}\n--- log tail (${logFile}) ---\n${tail}`,
      );
      throw new DeployFailure(
        `batch deployment ${req.endpointName}/${req.deploymentName} Failed: ${error} (log: ${logFile})`,
        {
          ...base,
          state: 'Failed',
          provisioningState: 'Failed',
          changed: false,
          plan: { target: 'local', endpointKind: 'batch', deployment: req.deploymentName, check: 'failed' },
          traffic: asTraffic(defaultBefore),
          logsFile: logFile,
        },
      );
    }
    pythonVersion = typeof result['version'] === 'string' ? result['version'] : undefined;
    // The interpreter itself (sys.executable), not a launcher or shim in front of it.
    const interpreter =
      typeof result['python'] === 'string' && result['python'] ? result['python'] : options.python;
    const state: LocalBatchDeploymentState = {
      endpointName: req.endpointName,
      deploymentName: req.deploymentName,
      python: interpreter,
      ...(pythonVersion ? { pythonVersion } : {}),
      modelId: model?.id ?? '',
      modelDir,
      ...(code
        ? {
            codeDir: await snapshotCode(localDir, req.endpointName, req.deploymentName, code.dir),
            scoringScript: code.script,
          }
        : {}),
      settings,
      workers,
      fingerprint,
      deployedAt: new Date(deps.clock.now()).toISOString(),
      environmentVariableNames: Object.keys(req.environmentVariables).sort(),
    };
    await writeBatchDeployment(localDir, state, req.environmentVariables);
  }
  const defaultChanges = (defaultAfter ?? '') !== (defaultBefore ?? '') || !endpointBefore;
  if (defaultChanges) {
    await writeBatchEndpoint(localDir, {
      name: req.endpointName,
      createdAt: endpointBefore?.createdAt ?? new Date(deps.clock.now()).toISOString(),
      ...(defaultAfter ? { defaultDeployment: defaultAfter } : {}),
    });
  }
  const changed = !unchanged || defaultChanges;
  report.event(
    section,
    unchanged ? 'unchanged: already checked' : `init() succeeded (Python ${pythonVersion ?? '?'})`,
  );
  addFacts(
    section,
    fact('State', 'Healthy'),
    fact('Changed', changed ? 'yes' : 'no (identical deployment already checked)'),
    fact('Python', options.python, { code: true }),
    fact('Default deployment', defaultAfter ?? '(none)'),
  );
  report.finish(section, changed ? 'succeeded' : 'unchanged');
  io.info(
    `${req.endpointName}/${req.deploymentName} is Healthy (batch; ${options.python})${changed ? '' : ' (unchanged)'}`,
  );
  return {
    ...base,
    state: 'Healthy',
    provisioningState: 'Succeeded',
    changed,
    plan: {
      target: 'local',
      endpointKind: 'batch',
      deployment: { name: req.deploymentName, action: unchanged ? 'none' : existing ? 'replace' : 'create' },
      defaultDeployment: { before: defaultBefore ?? null, after: defaultAfter ?? null },
    },
    traffic: asTraffic(defaultAfter),
  };
}
