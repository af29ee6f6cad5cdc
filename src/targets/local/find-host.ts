// Chooses how a local deployment is hosted and builds the command line, without starting anything:
// - `local-runtime: auto`: azmlinfsrv (azureml-inference-server-http) when it is on PATH, else the bundled
//   stdlib-only host.py run by the chosen Python (`python` input, else python3, else python);
// - `local-runtime: docker`: `docker run` of the environment's image, laid out as `az ml ... --local` does.

import { accessSync, closeSync, constants, existsSync, openSync, readSync, statSync } from 'node:fs';
import { basename, delimiter, dirname, isAbsolute, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../errors.ts';
import { SCORING_KEY_ENV } from './endpoint-key.ts';
import type { LocalRuntimeKind } from './service-state.ts';

/** Where a bundle or the sources keep host.py, relative to the module that asks. First existing wins. */
export const HOST_PY_CANDIDATES = [
  '../local-host/host.py',
  '../../local-host/host.py',
  '../../../src/local-host/host.py',
];

/** Port the Azure ML inference images listen on inside the container. */
export const CONTAINER_PORT = 5001;
export const CONTAINER_APP_ROOT = '/var/azureml-app';

/** The bundled host.py: dist/local-host/host.py next to a bundle, or src/local-host/host.py in the sources. */
export function resolveBundledHostPy(
  fromUrl: string = import.meta.url,
  exists: (path: string) => boolean = existsSync,
): string {
  const here = dirname(fileURLToPath(fromUrl));
  const candidates = HOST_PY_CANDIDATES.map((rel) => resolve(here, rel));
  const found = candidates.find((path) => exists(path));
  if (!found) throw new Error(`the bundled host.py was not found; looked at ${candidates.join(', ')}`);
  return found;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `which`: the absolute path of `name` on env.PATH (or `name` itself when it is a path), if executable. */
export function findExecutable(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (name.includes('/') || name.includes('\\')) {
    const path = resolve(name);
    return isExecutableFile(path) ? path : undefined;
  }
  for (const folder of (env['PATH'] ?? '').split(delimiter)) {
    if (!folder) continue;
    const path = join(folder, name);
    if (isExecutableFile(path)) return path;
  }
  return undefined;
}

/** The interpreter for host.py: the `python` input, else python3, else python, found on PATH. */
export function choosePython(python: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (python) {
    const found = findExecutable(python, env);
    if (!found) throw new UsageError(`Python interpreter ${JSON.stringify(python)} was not found`, 'python');
    return found;
  }
  const found = findExecutable('python3', env) ?? findExecutable('python', env);
  if (!found) {
    throw new UsageError(
      'neither python3 nor python is on PATH; set the python input to an interpreter',
      'python',
    );
  }
  return found;
}

/** Set by the local target for each deployment; never inherited from the runner's own environment. */
const RUNTIME_OWNED = new Set([
  'AZUREML_MODEL_DIR',
  'AZUREML_ENTRY_SCRIPT',
  'AML_APP_ROOT',
  'MLFLOW_MODEL_FOLDER',
  SCORING_KEY_ENV,
]);

/**
 * What a host inherits from the action's environment: what finding and running Python (or docker) needs, and
 * nothing else. The action's environment holds the runner's secrets (AZURE_CLIENT_SECRET, GITHUB_TOKEN,
 * ACTIONS_ID_TOKEN_REQUEST_TOKEN, ACTIONS_RUNTIME_TOKEN, INPUT_*), and the host outlives the step; a model
 * that needs more gets it through the deployment's environment_variables.
 *   system:  PATH HOME USER LOGNAME SHELL TMPDIR TMP TEMP TZ TERM LANG LANGUAGE LC_* XDG_* LD_LIBRARY_PATH
 *            SSL_CERT_FILE SSL_CERT_DIR REQUESTS_CA_BUNDLE (Windows: SYSTEMROOT WINDIR COMSPEC PATHEXT
 *            USERPROFILE APPDATA LOCALAPPDATA PROGRAMDATA)
 *   Python:  PYTHON* VIRTUAL_ENV CONDA_* PYENV_*
 *   compute: OMP_* MKL_* OPENBLAS_* CUDA_* NVIDIA_* HF_HOME TRANSFORMERS_CACHE TORCH_HOME
 *   docker:  DOCKER_HOST DOCKER_CONFIG DOCKER_CONTEXT DOCKER_CERT_PATH DOCKER_TLS_VERIFY
 */
const INHERITED_NAMES = new Set([
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'TMPDIR',
  'TMP',
  'TEMP',
  'TZ',
  'TERM',
  'LANG',
  'LANGUAGE',
  'LD_LIBRARY_PATH',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'REQUESTS_CA_BUNDLE',
  'SYSTEMROOT',
  'WINDIR',
  'COMSPEC',
  'PATHEXT',
  'USERPROFILE',
  'APPDATA',
  'LOCALAPPDATA',
  'PROGRAMDATA',
  'VIRTUAL_ENV',
  'HF_HOME',
  'TRANSFORMERS_CACHE',
  'TORCH_HOME',
  'DOCKER_HOST',
  'DOCKER_CONFIG',
  'DOCKER_CONTEXT',
  'DOCKER_CERT_PATH',
  'DOCKER_TLS_VERIFY',
]);
const INHERITED_PREFIXES = /^(LC_|XDG_|PYTHON|CONDA_|PYENV_|OMP_|MKL_|OPENBLAS_|CUDA_|NVIDIA_)/;

/** True for a variable of the action's environment a host inherits (see INHERITED_NAMES). */
export function isInheritedByHost(name: string): boolean {
  const upper = name.toUpperCase();
  return INHERITED_NAMES.has(upper) || INHERITED_PREFIXES.test(upper);
}

/**
 * The environment of the hosting process: a clean base taken from this process's environment (only the
 * variables isInheritedByHost names; never the runner's secrets), then the deployment's variables, then the
 * Azure ML runtime variables, which win as they do on Azure.
 */
export function hostEnvironment(
  base: NodeJS.ProcessEnv,
  extra: Record<string, string>,
  runtimeVars: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) {
    if (value === undefined || !isInheritedByHost(key) || RUNTIME_OWNED.has(key)) continue;
    env[key] = value;
  }
  env['PYTHONUNBUFFERED'] = '1';
  // Keep the user's code folder free of __pycache__ folders.
  env['PYTHONDONTWRITEBYTECODE'] = '1';
  return { ...env, ...extra, ...runtimeVars };
}

export interface DockerRunRequest {
  image: string;
  containerName: string;
  /** Host port, published on 127.0.0.1 only. */
  port: number;
  /** '' when the deployment has no model: then nothing is mounted and AZUREML_MODEL_DIR is not set. */
  modelDir: string;
  modelName: string;
  modelVersion: string;
  codeDir: string;
  scoringScript: string;
  environmentVariables: Record<string, string>;
}

export interface DockerRunCommand {
  command: 'docker';
  args: string[];
  /** Values of the `-e NAME` flags: docker reads them from its own environment, keeping them off argv. */
  env: Record<string, string>;
  containerName: string;
  /** AZUREML_MODEL_DIR inside the container (undefined without a model). */
  modelDirInContainer: string | undefined;
}

/** A container name Docker accepts, unique per endpoint and deployment. */
export function dockerContainerName(endpointName: string, deploymentName: string): string {
  return `azureml-local-${endpointName}-${deploymentName}`.replace(/[^A-Za-z0-9_.-]/g, '-');
}

/**
 * `docker run` for the local target, laid out as `az ml online-deployment create --local` lays out its
 * container: model at /var/azureml-app/azureml-models/<name>/<version> (= AZUREML_MODEL_DIR, read-only),
 * code at /var/azureml-app/<code folder name>/, AML_APP_ROOT = the scoring script's folder there,
 * AZUREML_ENTRY_SCRIPT = its file name, the server on 5001 inside. Runs in the foreground (`--rm`, no `-d`)
 * so the docker client's pid stands for the container and its output goes to the log file; the client
 * forwards SIGTERM to the container. Variable values travel through the client's environment, not argv.
 */
export function buildDockerRunCommand(req: DockerRunRequest): DockerRunCommand {
  const modelDirInContainer = req.modelDir
    ? posix.join(CONTAINER_APP_ROOT, 'azureml-models', req.modelName, req.modelVersion)
    : undefined;
  const codeInContainer = posix.join(CONTAINER_APP_ROOT, basename(resolve(req.codeDir)));
  const script = req.scoringScript.replaceAll('\\', '/').replace(/^\.\//, '');
  const appRoot = posix.join(codeInContainer, posix.dirname(script));
  const runtimeVars: Record<string, string> = {
    ...(modelDirInContainer ? { AZUREML_MODEL_DIR: modelDirInContainer } : {}),
    AZUREML_ENTRY_SCRIPT: posix.basename(script),
    AML_APP_ROOT: appRoot,
  };
  const env = { ...req.environmentVariables, ...runtimeVars };
  const args = [
    'run',
    '--rm',
    '--name',
    req.containerName,
    '-p',
    `127.0.0.1:${req.port}:${CONTAINER_PORT}`,
    ...(modelDirInContainer ? ['-v', `${resolve(req.modelDir)}:${modelDirInContainer}:ro`] : []),
    '-v',
    `${resolve(req.codeDir)}:${codeInContainer}`,
    '-w',
    appRoot,
  ];
  for (const name of Object.keys(env).sort()) args.push('-e', name);
  args.push(req.image);
  return { command: 'docker', args, env, containerName: req.containerName, modelDirInContainer };
}

export interface HostLaunchRequest {
  runtime: 'auto' | 'docker';
  endpointName: string;
  deploymentName: string;
  /** '' when the deployment has no model (AZUREML_MODEL_DIR is then not set). */
  modelDir: string;
  modelName: string;
  modelVersion: string;
  codeDir: string;
  scoringScript: string;
  environmentVariables: Record<string, string>;
  port: number;
  host: string;
  python?: string;
  image?: string;
  /**
   * A no-code deployment of an mlflow_model: the registered artifact's folder name inside modelDir
   * (MLFLOW_MODEL_FOLDER, as Azure sets it). codeDir and scoringScript are then not used.
   */
  mlflowModelFolder?: string;
  /**
   * The endpoint's key (key auth): the bundled host.py gets it in SCORING_KEY_ENV and requires it on POST /score.
   * azmlinfsrv and docker are not given it (they cannot check it): authEnforced is then false.
   */
  scoringKey?: string;
}

/** A command ready for child_process.spawn, and what to record about it. */
export interface HostLaunch {
  runtime: LocalRuntimeKind;
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  containerName?: string;
  /** The interpreter host.py runs on (host.py only). */
  python?: string;
  /** True when the host requires the request's scoringKey (only the bundled host.py does). */
  authEnforced: boolean;
  /** What the caller should warn about (once): a host listening beyond loopback. */
  warnings: string[];
}

export interface HostLaunchOptions {
  /** Environment to search PATH in and to pass on (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** host.py to run (default: the bundled one). */
  hostPy?: string;
}

/** Decides the runtime and builds its command line. Throws UsageError when a needed program is missing. */
export function planHostLaunch(req: HostLaunchRequest, opts: HostLaunchOptions = {}): HostLaunch {
  const baseEnv = opts.env ?? process.env;
  if (req.mlflowModelFolder !== undefined) return planMlflowLaunch(req, opts, baseEnv);
  const codeDir = resolve(req.codeDir);
  const modelDir = req.modelDir ? resolve(req.modelDir) : '';
  if (req.runtime === 'docker') {
    if (!req.image) {
      throw new UsageError(
        'local-runtime docker needs an image: give the environment an image (environment.image)',
        'local-runtime',
      );
    }
    const docker = findExecutable('docker', baseEnv);
    if (!docker) throw new UsageError('local-runtime docker needs the docker CLI on PATH', 'local-runtime');
    const run = buildDockerRunCommand({
      image: req.image,
      containerName: dockerContainerName(req.endpointName, req.deploymentName),
      port: req.port,
      modelDir,
      modelName: req.modelName,
      modelVersion: req.modelVersion,
      codeDir,
      scoringScript: req.scoringScript,
      environmentVariables: req.environmentVariables,
    });
    return {
      runtime: 'docker',
      command: docker,
      args: run.args,
      cwd: codeDir,
      env: hostEnvironment(baseEnv, {}, run.env),
      containerName: run.containerName,
      authEnforced: false,
      warnings: [],
    };
  }
  const runtimeVars = {
    ...(modelDir ? { AZUREML_MODEL_DIR: modelDir } : {}),
    AZUREML_ENTRY_SCRIPT: req.scoringScript,
    AML_APP_ROOT: codeDir,
  };
  const env = hostEnvironment(baseEnv, req.environmentVariables, runtimeVars);
  const azmlinfsrv = findExecutable('azmlinfsrv', baseEnv);
  if (azmlinfsrv) return planAzmlinfsrvLaunch(azmlinfsrv, req, codeDir, env, baseEnv);
  return bundledHostLaunch(req, opts, baseEnv, ['--entry', req.scoringScript], codeDir, env);
}

/** host.py's environment with the endpoint's key, when there is one (host.py takes it out before user code). */
function withScoringKey(env: Record<string, string>, key: string | undefined): Record<string, string> {
  return key === undefined ? env : { ...env, [SCORING_KEY_ENV]: key };
}

/**
 * azmlinfsrv has no bind-address flag and reads no variable for it: every version hands the constant
 * `azureml_inference_server_http.constants.DEFAULT_HOST` ("0.0.0.0") to gunicorn (waitress on Windows) as `-b`
 * on its own argv, which outranks GUNICORN_CMD_ARGS. So its entry point is run by its own interpreter with that
 * constant set to the loopback address first (the address is the first argument; the rest are azmlinfsrv's).
 */
export const AZMLINFSRV_LOOPBACK_SHIM = [
  'import sys',
  'import azureml_inference_server_http.constants as c',
  'c.DEFAULT_HOST = sys.argv.pop(1)',
  'from azureml_inference_server_http.amlserver import run',
  'sys.exit(run())',
].join('; ');

function planAzmlinfsrvLaunch(
  azmlinfsrv: string,
  req: HostLaunchRequest,
  codeDir: string,
  env: Record<string, string>,
  baseEnv: NodeJS.ProcessEnv,
): HostLaunch {
  const serverArgs = ['--entry_script', req.scoringScript, '--port', String(req.port)];
  const python = scriptInterpreter(azmlinfsrv, baseEnv);
  const common = { runtime: 'azmlinfsrv' as const, cwd: codeDir, env, authEnforced: false };
  if (python) {
    return {
      ...common,
      command: python,
      args: ['-c', AZMLINFSRV_LOOPBACK_SHIM, req.host, ...serverArgs],
      warnings: [],
    };
  }
  return {
    ...common,
    command: azmlinfsrv,
    args: serverArgs,
    warnings: [
      `azmlinfsrv (${azmlinfsrv}) listens on every network interface (0.0.0.0): it has no bind-address option and its Python interpreter could not be read from its first line to set one`,
    ],
  };
}

/**
 * The Python interpreter of a console script (pip's launcher): `#!/path/python`, `#!/usr/bin/env python3`, or
 * the `#!/bin/sh` + `'''exec' /path/python "$0" "$@"` form pip writes for long paths. Undefined otherwise.
 */
export function scriptInterpreter(script: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  let head: string;
  try {
    const fd = openSync(script, 'r');
    try {
      const buf = Buffer.alloc(1024);
      head = buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  const [first = '', second = ''] = head.split(/\r?\n/);
  if (!first.startsWith('#!')) return undefined;
  const words = first.slice(2).trim().split(/\s+/);
  let program: string | undefined;
  if (/(^|\/)env$/.test(words[0] ?? '')) program = words.find((w, i) => i > 0 && !w.startsWith('-'));
  else if (/(^|\/)(ba)?sh$/.test(words[0] ?? ''))
    program = /^'''exec' "?([^"]+?)"? "\$0" "\$@"/.exec(second)?.[1];
  else program = words[0];
  if (!program || !/^python[0-9.]*(\.exe)?$/i.test(basename(program))) return undefined;
  return findExecutable(program, env);
}

/**
 * A no-code MLflow model: always the bundled host.py in MLflow mode (azmlinfsrv needs an entry script, and the
 * inference images' MLflow driver is Azure's), run in the model version folder with AZUREML_MODEL_DIR and
 * MLFLOW_MODEL_FOLDER set as Azure sets them, and no entry script.
 */
function planMlflowLaunch(
  req: HostLaunchRequest,
  opts: HostLaunchOptions,
  baseEnv: NodeJS.ProcessEnv,
): HostLaunch {
  if (req.runtime === 'docker') {
    throw new UsageError(
      'a no-code mlflow_model deployment runs on the bundled host (local-runtime: auto); docker runs an entry script',
      'local-runtime',
    );
  }
  const modelDir = req.modelDir ? resolve(req.modelDir) : '';
  const runtimeVars: Record<string, string> = {
    ...(modelDir ? { AZUREML_MODEL_DIR: modelDir } : {}),
    ...(req.mlflowModelFolder ? { MLFLOW_MODEL_FOLDER: req.mlflowModelFolder } : {}),
  };
  const env = hostEnvironment(baseEnv, req.environmentVariables, runtimeVars);
  return bundledHostLaunch(req, opts, baseEnv, ['--mlflow-model'], modelDir || resolve('.'), env);
}

/** The bundled host.py in one of its modes (`--entry SCRIPT`, `--mlflow-model`), with the endpoint's key. */
function bundledHostLaunch(
  req: HostLaunchRequest,
  opts: HostLaunchOptions,
  baseEnv: NodeJS.ProcessEnv,
  mode: string[],
  cwd: string,
  env: Record<string, string>,
): HostLaunch {
  const python = choosePython(req.python, baseEnv);
  const hostPy = opts.hostPy ?? resolveBundledHostPy();
  return {
    runtime: 'host.py',
    command: python,
    args: [
      '-u',
      isAbsolute(hostPy) ? hostPy : resolve(hostPy),
      ...mode,
      '--port',
      String(req.port),
      '--host',
      req.host,
    ],
    cwd,
    env: withScoringKey(env, req.scoringKey),
    python,
    authEnforced: req.scoringKey !== undefined,
    warnings: [],
  };
}
