// Starts, checks, lists and stops the detached processes that host local deployments.
//
// A local deployment is one process (host.py, azmlinfsrv or a foreground `docker run`) started detached in
// its own process group, with its output appended to <localDir>/logs/<endpoint>-<deployment>.log, so it
// outlives the action step; its pid and port are kept in the deployment's state.json (service-state.ts).
//
// Redeploy is blue/green: the new process starts beside the old one (on another port), and the old one is
// stopped only once the new one is Healthy. A failed redeploy therefore leaves the previous process serving
// and its state untouched, as a failed update on Azure leaves the previous instances. The one exception is
// a requested port equal to the old process's port: then the old process is stopped first.

import { spawn as nodeSpawn } from 'node:child_process';
import { closeSync, existsSync, fchmodSync, openSync, writeSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Clock } from '../../clock.ts';
import { errorMessage, UsageError } from '../../errors.ts';
import type { Log } from '../../log.ts';
import { type HostLaunch, planHostLaunch } from './find-host.ts';
import { deploymentFingerprint } from './fingerprint.ts';
import { findFailureReason, logSize, readLogSince, tailLines } from './host-log.ts';
import { assertPortFree, findFreePort } from './ports.ts';
import {
  isProcessAlive,
  isRecordedProcessAlive,
  probeLiveness,
  processStartTime,
  signalProcessGroup,
  terminateProcessGroup,
  waitForProcessExit,
} from './process-control.ts';
import {
  ensureEndpointState,
  type LocalDeploymentState,
  listDeploymentStates,
  logFilePath,
  readDeploymentState,
  removeDeploymentState,
  writeDeploymentState,
  writeDeploymentStateSync,
} from './service-state.ts';

const HOST = '127.0.0.1';
const LOG_TAIL_LINES = 50;

export interface LocalServiceRequest {
  localDir: string;
  endpointName: string;
  deploymentName: string;
  /**
   * The model version folder, `.../<model-name>/<version>`: becomes AZUREML_MODEL_DIR. '' for a deployment
   * without a model (AZUREML_MODEL_DIR is then not set; modelName and modelVersion are ignored).
   */
  modelDir: string;
  modelName: string;
  modelVersion: string;
  /** The registry's content hash of the model, when known (else modelDir is hashed for the fingerprint). */
  modelContentHash?: string;
  /** The code folder: working directory and on sys.path. */
  codeDir: string;
  /** Relative to codeDir, e.g. `onlinescoring/score.py`. */
  scoringScript: string;
  /** A no-code mlflow_model: the artifact's folder in modelDir; host.py --mlflow-model serves it (find-host.ts). */
  mlflowModelFolder?: string;
  environmentVariables: Record<string, string>;
  python?: string;
  /** Default: a free port. */
  port?: number;
  runtime: 'auto' | 'docker';
  /** The environment's image (docker only). */
  image?: string;
  /** Epoch ms; waiting for liveness never goes beyond it. */
  deadline: number;
  /** Restart even when the running service is Healthy and has the same fingerprint. */
  force?: boolean;
  /** Key auth: the endpoint requires a key (in the fingerprint; the key itself never is). */
  auth?: 'key';
  /** The endpoint's key, with auth 'key': handed to the host (find-host.ts), never logged or recorded. */
  scoringKey?: string;
}

export interface LocalServiceDeps {
  clock: Clock;
  log: Log;
  spawn?: typeof nodeSpawn;
  /** Environment searched for programs and passed on to the host (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** host.py to run (default: the bundled one). */
  hostPy?: string;
  /** Liveness poll interval (default 75 ms). */
  pollIntervalMs?: number;
  /** Aborted on SIGINT/SIGTERM: a host still starting is stopped (its whole process group) at once. */
  signal?: AbortSignal;
}

export interface LocalServiceHealthy {
  state: 'Healthy';
  /** false when an identical, Healthy service was already running and was left alone. */
  changed: boolean;
  pid: number;
  port: number;
  scoringUri: string;
  swaggerUri: string;
  logFile: string;
  runtime: LocalDeploymentState['runtime'];
  fingerprint: string;
  /** The previous process, stopped after the new one became Healthy. */
  replaced?: { pid: number; port: number };
}

export interface LocalServiceFailed {
  state: 'Failed';
  /** One sentence with the reason, e.g. the init() exception line. */
  error: string;
  /** The last 50 lines this attempt wrote to the log. */
  logTail: string;
  /** What this attempt wrote to the log (its last 256 KiB). */
  attemptLog: string;
  logFile: string;
  runtime: LocalDeploymentState['runtime'];
  pid?: number;
  port?: number;
}

export type LocalServiceResult = LocalServiceHealthy | LocalServiceFailed;

export type LocalServiceStatus = 'Healthy' | 'Unhealthy' | 'NotFound';

export interface LocalServiceStatusResult {
  status: LocalServiceStatus;
  state?: LocalDeploymentState;
  /** Why it is Unhealthy. */
  reason?: string;
}

function modelIdOf(req: LocalServiceRequest): string {
  return req.modelDir ? `azureml:${req.modelName}:${req.modelVersion}` : '';
}

function uris(port: number): { scoringUri: string; swaggerUri: string } {
  return { scoringUri: `http://${HOST}:${port}/score`, swaggerUri: `http://${HOST}:${port}/swagger.json` };
}

/** Checks that need no side effect: names, paths, the runtime's programs. Throws UsageError. */
function validateRequest(req: LocalServiceRequest, deps: LocalServiceDeps): HostLaunch {
  if (req.modelDir && !existsSync(req.modelDir)) {
    throw new UsageError(`model folder ${req.modelDir} does not exist`, 'model');
  }
  if (req.mlflowModelFolder === undefined && !existsSync(join(req.codeDir, req.scoringScript))) {
    throw new UsageError(
      `scoring script ${req.scoringScript} was not found in the code folder ${resolve(req.codeDir)}`,
      'scoring-script',
    );
  }
  if (req.port !== undefined && (!Number.isInteger(req.port) || req.port < 1 || req.port > 65535)) {
    throw new UsageError(`port must be a whole number from 1 to 65535, got ${req.port}`, 'port');
  }
  if (req.auth === 'key' && !req.scoringKey) throw new Error('internal: key auth without a key');
  logFilePath(req.localDir, req.endpointName, req.deploymentName); // validates the names
  // Throws when python / docker / the image is missing; the port is not known yet.
  return launchFor(req, deps, req.port ?? 0);
}

function launchFor(req: LocalServiceRequest, deps: LocalServiceDeps, port: number): HostLaunch {
  return planHostLaunch(
    {
      runtime: req.runtime,
      endpointName: req.endpointName,
      deploymentName: req.deploymentName,
      modelDir: req.modelDir,
      modelName: req.modelName,
      modelVersion: req.modelVersion,
      codeDir: req.codeDir,
      scoringScript: req.scoringScript,
      ...(req.mlflowModelFolder !== undefined ? { mlflowModelFolder: req.mlflowModelFolder } : {}),
      environmentVariables: req.environmentVariables,
      port,
      host: HOST,
      ...(req.python !== undefined ? { python: req.python } : {}),
      ...(req.image !== undefined ? { image: req.image } : {}),
      ...(req.scoringKey !== undefined ? { scoringKey: req.scoringKey } : {}),
    },
    { ...(deps.env ? { env: deps.env } : {}), ...(deps.hostPy ? { hostPy: deps.hostPy } : {}) },
  );
}

/** The fingerprint startLocalService records for req; equal fingerprints mean nothing to redeploy. */
export function localDeploymentFingerprint(req: LocalServiceRequest): Promise<string> {
  return deploymentFingerprint({
    modelId: modelIdOf(req),
    ...(req.modelContentHash !== undefined ? { modelContentHash: req.modelContentHash } : {}),
    modelDir: req.modelDir,
    codeDir: req.codeDir,
    localDir: req.localDir,
    scoringScript: req.scoringScript,
    ...(req.mlflowModelFolder !== undefined ? { mlflowModelFolder: req.mlflowModelFolder } : {}),
    environmentVariables: req.environmentVariables,
    ...(req.python !== undefined ? { python: req.python } : {}),
    runtime: req.runtime,
    ...(req.image !== undefined ? { image: req.image } : {}),
    ...(req.port !== undefined ? { port: req.port } : {}),
    ...(req.auth ? { auth: req.auth } : {}),
  });
}

/** Stops the recorded process (and, for docker, its container). True when it was running. */
async function stopRecordedProcess(
  state: LocalDeploymentState,
  deps: { clock: Clock; spawn?: typeof nodeSpawn },
  graceMs: number,
): Promise<boolean> {
  // A host recorded as starting (the action was killed while it waited) is stopped as well.
  const starting = state.starting;
  const startingWasRunning = starting
    ? await terminateProcessGroup(starting.pid, deps.clock, graceMs, starting.procStartTime)
    : false;
  if (starting?.containerName && starting.containerName !== state.containerName)
    await removeContainer(starting.containerName, deps);
  const wasRunning = await terminateProcessGroup(state.pid, deps.clock, graceMs, state.procStartTime);
  if (state.runtime === 'docker' && state.containerName) {
    await removeContainer(state.containerName, deps);
  }
  return wasRunning || startingWasRunning;
}

/** `docker rm -f NAME`, best effort: a SIGKILLed docker client does not take its container down. */
function removeContainer(name: string, deps: { clock: Clock; spawn?: typeof nodeSpawn }): Promise<void> {
  const spawn = deps.spawn ?? nodeSpawn;
  return new Promise((done) => {
    let child: ReturnType<typeof nodeSpawn>;
    try {
      child = spawn('docker', ['rm', '-f', name], { stdio: 'ignore' });
    } catch {
      done();
      return;
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done();
    }, 10_000);
    timer.unref();
    child.once('error', () => {
      clearTimeout(timer);
      done();
    });
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
  });
}

type Attempt =
  | {
      ok: true;
      pid: number;
      procStartTime: number | undefined;
      port: number;
      launch: HostLaunch;
      startedAt: string;
    }
  | { ok: false; failed: LocalServiceFailed; portTaken: boolean };

/** The state of a deployment served by launch's process. */
function stateOf(
  req: LocalServiceRequest,
  launch: HostLaunch,
  host: { pid: number; procStartTime: number | undefined; port: number; startedAt: string },
  fingerprint: string,
  logFile: string,
): LocalDeploymentState {
  return {
    endpointName: req.endpointName,
    deploymentName: req.deploymentName,
    pid: host.pid,
    ...(host.procStartTime !== undefined ? { procStartTime: host.procStartTime } : {}),
    port: host.port,
    host: HOST,
    runtime: launch.runtime,
    command: [launch.command, ...launch.args],
    ...(launch.containerName ? { containerName: launch.containerName } : {}),
    startedAt: host.startedAt,
    fingerprint,
    modelId: modelIdOf(req),
    modelDir: req.modelDir ? resolve(req.modelDir) : '',
    codeDir: resolve(req.codeDir),
    scoringScript: req.scoringScript,
    logFile,
    ...uris(host.port),
    ...(req.auth ? { auth: req.auth, authEnforced: launch.authEnforced } : {}),
  };
}

/**
 * Spawns the host detached on port and waits for liveness, exit, the deadline or a cancel. Kills it on
 * failure. The spawned process is recorded in the deployment's state before anything else happens (beside
 * `previous`, the process still serving, when there is one), so a later delete-service finds it even when
 * this action is killed while the host starts; a failed attempt puts the state back as it was.
 */
async function launchAndWait(
  req: LocalServiceRequest,
  deps: LocalServiceDeps,
  port: number,
  logFile: string,
  previous: LocalDeploymentState | undefined,
  fingerprint: string,
): Promise<Attempt> {
  const { clock, log } = deps;
  const where = `${req.endpointName}/${req.deploymentName}`;
  const launch = launchFor(req, deps, port);

  await mkdir(dirname(logFile), { recursive: true });
  await ensureEndpointState(req.localDir, req.endpointName, new Date(clock.now()));
  // The log file is shared with earlier processes (possibly still running): this attempt's part starts here.
  const logOffset = await logSize(logFile);
  const fd = openSync(logFile, 'a', 0o600);
  // The mode given to open applies to a new file only; a log from an older version may be world-readable.
  fchmodSync(fd, 0o600);
  const startedAt = new Date(clock.now()).toISOString();
  writeSync(
    fd,
    `--- azureml-deploy: ${startedAt} starting ${where} with ${launch.runtime} on port ${port} ---\n`,
  );
  log.info(`Starting local deployment ${where} with ${launch.runtime} on ${HOST}:${port} (log: ${logFile})`);
  log.debug(`command: ${[launch.command, ...launch.args].join(' ')} (cwd ${launch.cwd})`);

  const spawn = deps.spawn ?? nodeSpawn;
  let exit: { code: number | null; signal: string | null; error?: Error } | undefined;
  let child: ReturnType<typeof nodeSpawn>;
  try {
    child = spawn(launch.command, launch.args, {
      cwd: launch.cwd,
      env: launch.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  child.once('error', (error) => {
    exit ??= { code: null, signal: null, error };
  });
  child.once('exit', (code, signal) => {
    exit ??= { code, signal };
  });
  child.unref();
  const pid = child.pid;
  const procStartTime = pid !== undefined ? processStartTime(pid) : undefined;
  if (pid !== undefined) {
    // Synchronously, before the first await: nothing may come between the spawn and this record.
    const host = { pid, procStartTime, port, startedAt };
    writeDeploymentStateSync(
      req.localDir,
      previous
        ? {
            ...previous,
            starting: {
              pid,
              ...(procStartTime !== undefined ? { procStartTime } : {}),
              port,
              ...(launch.containerName ? { containerName: launch.containerName } : {}),
              startedAt,
            },
          }
        : stateOf(req, launch, host, fingerprint, logFile),
    );
  }

  const fail = async (error: string, portTaken = false): Promise<Attempt> => {
    if (pid !== undefined) {
      signalProcessGroup(pid, 'SIGKILL');
      await waitForProcessExit(pid, clock, 5000);
    }
    if (launch.containerName) await removeContainer(launch.containerName, deps);
    if (pid !== undefined) {
      if (previous) await writeDeploymentState(req.localDir, withoutStarting(previous));
      else await removeDeploymentState(req.localDir, req.endpointName, req.deploymentName);
    }
    const text = await readLogSince(logFile, logOffset);
    const failed: LocalServiceFailed = {
      state: 'Failed',
      error,
      logTail: tailLines(text, LOG_TAIL_LINES),
      attemptLog: text,
      logFile,
      runtime: launch.runtime,
      ...(pid !== undefined ? { pid } : {}),
      port,
    };
    return { ok: false, failed, portTaken };
  };

  const pollMs = deps.pollIntervalMs ?? 75;
  for (;;) {
    if (deps.signal?.aborted) {
      return fail(
        `cancelled (${cancelReason(deps.signal)}) while ${where} was starting; the ${launch.runtime} process and its children were stopped`,
      );
    }
    if (exit) {
      if (exit.error) return fail(`could not start ${launch.command}: ${errorMessage(exit.error)}`);
      const reason = findFailureReason(await readLogSince(logFile, logOffset));
      const how = exit.code !== null ? `exit code ${exit.code}` : `signal ${exit.signal}`;
      if (launch.runtime === 'host.py' && exit.code === 4) {
        return fail(`port ${port} is already in use on ${HOST} (${how})`, true);
      }
      return fail(
        `${launch.runtime} exited (${how}) before it answered on port ${port}: ${reason ?? 'see the log'}`,
      );
    }
    const left = req.deadline - clock.now();
    if (left <= 0) {
      return fail(
        `no answer from GET http://${HOST}:${port}/ before the deadline; the ${launch.runtime} process was stopped`,
      );
    }
    // An answer counts only while our process lives: another program may have taken the port.
    if (
      pid !== undefined &&
      (await probeLiveness(HOST, port, Math.min(1000, left))) &&
      !exit &&
      isProcessAlive(pid)
    ) {
      return { ok: true, pid, procStartTime, port, launch, startedAt };
    }
    await clock.sleep(Math.max(1, Math.min(pollMs, req.deadline - clock.now())));
  }
}

/**
 * Starts (or replaces, or keeps) the local deployment and waits until GET / answers 200, the process
 * exits, or the deadline passes. Never leaves a failed attempt's process running. Throws UsageError for
 * bad requests (missing files or programs, names, a busy requested port) before starting anything.
 */
export async function startLocalService(
  req: LocalServiceRequest,
  deps: LocalServiceDeps,
): Promise<LocalServiceResult> {
  const planned = validateRequest(req, deps);
  const { log } = deps;
  const where = `${req.endpointName}/${req.deploymentName}`;
  for (const warning of planned.warnings) log.warn(warning);
  if (req.auth === 'key' && !planned.authEnforced) {
    log.warn(
      `${where}: key auth is NOT enforced by ${planned.runtime}: POST /score answers without a key (only the bundled host.py checks it${planned.runtime === 'azmlinfsrv' ? '; take azmlinfsrv off PATH to use it' : ''}). The key is still looked up and sent, as on Azure.`,
    );
  }
  const fingerprint = await localDeploymentFingerprint(req);
  const logFile = logFilePath(req.localDir, req.endpointName, req.deploymentName);

  let previous = await readDeploymentState(req.localDir, req.endpointName, req.deploymentName);
  if (previous && !isRecordedProcessAlive(previous.pid, previous.procStartTime)) previous = undefined;
  if (previous && previous.fingerprint === fingerprint && !req.force) {
    if (await probeLiveness(HOST, previous.port, 2000)) {
      log.info(
        `Local deployment ${where} is already Healthy with the same model, code and settings; left as is`,
      );
      return {
        state: 'Healthy',
        changed: false,
        pid: previous.pid,
        port: previous.port,
        ...uris(previous.port),
        logFile: previous.logFile,
        runtime: previous.runtime,
        fingerprint,
      };
    }
  }
  if (previous && req.port !== undefined && req.port === previous.port) {
    log.info(
      `Stopping the running ${where} (pid ${previous.pid}) first: the new one needs its port ${req.port}`,
    );
    await stopRecordedProcess(previous, deps, 5000);
    previous = undefined;
  }

  // An automatically chosen port can be taken by another process before the host binds it: try another.
  let attempt: Attempt;
  for (let tries = 1; ; tries++) {
    let port: number;
    if (req.port !== undefined) {
      await assertPortFree(req.port, HOST);
      port = req.port;
    } else {
      port = await findFreePort(HOST);
    }
    attempt = await launchAndWait(req, deps, port, logFile, previous, fingerprint);
    if (attempt.ok || !attempt.portTaken || req.port !== undefined || tries >= 3) break;
    log.info(`Port ${port} was taken before the host could bind it; trying another port`);
  }
  if (!attempt.ok) {
    // The caller reports the failure (once, with the log tail); here it is only a debug line.
    log.debug(`Local deployment ${where} failed: ${attempt.failed.error}`);
    return attempt.failed;
  }
  const { pid, port, launch, startedAt } = attempt;

  const state = stateOf(
    req,
    launch,
    { pid, procStartTime: attempt.procStartTime, port, startedAt },
    fingerprint,
    logFile,
  );
  await writeDeploymentState(req.localDir, state);
  log.info(`Local deployment ${where} is Healthy: ${state.scoringUri} (pid ${state.pid})`);

  let replaced: { pid: number; port: number } | undefined;
  if (previous) {
    log.info(`Stopping the previous ${where} process (pid ${previous.pid}, port ${previous.port})`);
    if (await stopRecordedProcess(previous, deps, 5000))
      replaced = { pid: previous.pid, port: previous.port };
  }
  return {
    state: 'Healthy',
    changed: true,
    pid: state.pid,
    port,
    scoringUri: state.scoringUri,
    swaggerUri: state.swaggerUri,
    logFile,
    runtime: launch.runtime,
    fingerprint,
    ...(replaced ? { replaced } : {}),
  };
}

function withoutStarting(state: LocalDeploymentState): LocalDeploymentState {
  const { starting: _, ...rest } = state;
  return rest;
}

function cancelReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : String(reason ?? 'aborted');
}

/** Healthy (process alive and GET / answers 200), Unhealthy (dead or not answering) or NotFound. */
export async function getLocalServiceStatus(
  localDir: string,
  endpointName: string,
  deploymentName: string,
  opts: { timeoutMs?: number } = {},
): Promise<LocalServiceStatusResult> {
  const state = await readDeploymentState(localDir, endpointName, deploymentName);
  if (!state) return { status: 'NotFound' };
  return statusOf(state, opts.timeoutMs ?? 2000);
}

async function statusOf(state: LocalDeploymentState, timeoutMs: number): Promise<LocalServiceStatusResult> {
  if (!isRecordedProcessAlive(state.pid, state.procStartTime)) {
    return {
      status: 'Unhealthy',
      state,
      reason: `the ${state.runtime} process (pid ${state.pid}) is not running`,
    };
  }
  if (!(await probeLiveness(state.host, state.port, timeoutMs))) {
    return {
      status: 'Unhealthy',
      state,
      reason: `GET http://${state.host}:${state.port}/ did not answer 200 within ${timeoutMs} ms`,
    };
  }
  return { status: 'Healthy', state };
}

/**
 * Stops the deployment's process group (SIGTERM, up to graceMs, then SIGKILL) and removes its state.
 * Returns true when a process was running; stopping what is not there is a no-op returning false.
 */
export async function stopLocalService(
  localDir: string,
  endpointName: string,
  deploymentName: string,
  deps: { clock: Clock; log?: Log; spawn?: typeof nodeSpawn; graceMs?: number },
): Promise<boolean> {
  const state = await readDeploymentState(localDir, endpointName, deploymentName);
  if (!state) return false;
  const wasRunning = await stopRecordedProcess(state, deps, deps.graceMs ?? 5000);
  await removeDeploymentState(localDir, endpointName, deploymentName);
  deps.log?.info(
    wasRunning
      ? `Stopped local deployment ${endpointName}/${deploymentName} (pid ${state.pid})`
      : `Local deployment ${endpointName}/${deploymentName} was not running; removed its state`,
  );
  return wasRunning;
}

/** Every recorded local deployment (of one endpoint, or all) with its current status. */
export async function listLocalDeployments(
  localDir: string,
  endpointName?: string,
  opts: { timeoutMs?: number } = {},
): Promise<Array<LocalServiceStatusResult & { state: LocalDeploymentState }>> {
  const states = await listDeploymentStates(localDir, endpointName);
  return Promise.all(
    states.map(async (state) => ({ ...(await statusOf(state, opts.timeoutMs ?? 2000)), state })),
  );
}
