// What the local target knows about its running services, on disk so that later steps (smoke test,
// delete-service) running in other processes find them:
//   <localDir>/endpoints/<endpoint>/endpoint.json                          traffic map, created at
//   <localDir>/endpoints/<endpoint>/deployments/<deployment>/state.json    pid, port, command, ...
// Files are written whole (temp file + rename) so a reader never sees half a file.

import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export type LocalRuntimeKind = 'azmlinfsrv' | 'host.py' | 'docker';

/** One running local deployment. Holds no secrets: environment variable values are never stored. */
export interface LocalDeploymentState {
  endpointName: string;
  deploymentName: string;
  pid: number;
  /** The process's start time from /proc (clock ticks since boot), so a reused pid is not mistaken for it. */
  procStartTime?: number;
  port: number;
  host: string;
  runtime: LocalRuntimeKind;
  /** argv of the hosting process (command first); values of environment variables are not in it. */
  command: string[];
  /** Docker only: the container name, removed on stop. */
  containerName?: string;
  startedAt: string;
  fingerprint: string;
  /** `azureml:NAME:VERSION`; '' for a deployment without a model. */
  modelId: string;
  modelDir: string;
  codeDir: string;
  scoringScript: string;
  logFile: string;
  scoringUri: string;
  swaggerUri: string;
  /** Key auth: POST /score needs `Authorization: Bearer <the endpoint's key>` (endpoint-key.ts holds it). */
  auth?: 'key';
  /** False when the runtime (azmlinfsrv, docker) does not check the key. */
  authEnforced?: boolean;
  /**
   * A host being started beside the serving one (a redeploy) and not yet Healthy: recorded the moment it is
   * spawned, so a delete-service after the action was killed still finds and stops it.
   */
  starting?: StartingHost;
}

/** A host process spawned but not yet Healthy. */
export interface StartingHost {
  pid: number;
  procStartTime?: number;
  port: number;
  containerName?: string;
  startedAt: string;
}

export interface LocalEndpointState {
  name: string;
  createdAt: string;
  /** deployment name -> percent, as the local endpoint routes it. */
  traffic: Record<string, number>;
  mirrorTraffic?: Record<string, number>;
}

/** Endpoint and deployment names become folder names: refuse anything that could leave the folder. */
export function assertSafeName(kind: 'endpoint' | 'deployment', name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(name) || name.includes('..')) {
    throw new Error(`invalid local ${kind} name ${JSON.stringify(name)}`);
  }
}

export function endpointFolder(localDir: string, endpointName: string): string {
  assertSafeName('endpoint', endpointName);
  return join(localDir, 'endpoints', endpointName);
}

export function endpointStatePath(localDir: string, endpointName: string): string {
  return join(endpointFolder(localDir, endpointName), 'endpoint.json');
}

export function deploymentStatePath(localDir: string, endpointName: string, deploymentName: string): string {
  assertSafeName('deployment', deploymentName);
  return join(endpointFolder(localDir, endpointName), 'deployments', deploymentName, 'state.json');
}

export function logFilePath(localDir: string, endpointName: string, deploymentName: string): string {
  assertSafeName('endpoint', endpointName);
  assertSafeName('deployment', deploymentName);
  return join(localDir, 'logs', `${endpointName}-${deploymentName}.log`);
}

/** Writes JSON to a temp file beside the target, then renames it over the target (atomic on one disk). */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/**
 * writeJsonAtomic without a turn of the event loop: used right after a host is spawned, so nothing (a signal
 * handler, a SIGKILL between two awaits) can come between the spawn and the record of its pid.
 */
export function writeJsonAtomicSync(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(temp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

/** The parsed file; undefined when it does not exist. */
export async function readJson<T>(path: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message})`);
  }
}

export function readDeploymentState(
  localDir: string,
  endpointName: string,
  deploymentName: string,
): Promise<LocalDeploymentState | undefined> {
  return readJson<LocalDeploymentState>(deploymentStatePath(localDir, endpointName, deploymentName));
}

export function writeDeploymentState(localDir: string, state: LocalDeploymentState): Promise<void> {
  return writeJsonAtomic(deploymentStatePath(localDir, state.endpointName, state.deploymentName), state);
}

/** writeDeploymentState, synchronously (see writeJsonAtomicSync). */
export function writeDeploymentStateSync(localDir: string, state: LocalDeploymentState): void {
  writeJsonAtomicSync(deploymentStatePath(localDir, state.endpointName, state.deploymentName), state);
}

/** Removes the deployment's state folder; true when there was one. */
export async function removeDeploymentState(
  localDir: string,
  endpointName: string,
  deploymentName: string,
): Promise<boolean> {
  const folder = dirname(deploymentStatePath(localDir, endpointName, deploymentName));
  const existed = (await readJson(join(folder, 'state.json'))) !== undefined;
  await rm(folder, { recursive: true, force: true });
  return existed;
}

export function readEndpointState(
  localDir: string,
  endpointName: string,
): Promise<LocalEndpointState | undefined> {
  return readJson<LocalEndpointState>(endpointStatePath(localDir, endpointName));
}

export function writeEndpointState(localDir: string, state: LocalEndpointState): Promise<void> {
  return writeJsonAtomic(endpointStatePath(localDir, state.name), state);
}

/** Removes the endpoint folder (endpoint.json and any deployment states); true when there was one. */
export async function removeEndpointState(localDir: string, endpointName: string): Promise<boolean> {
  const folder = endpointFolder(localDir, endpointName);
  const existed =
    (await readJson(join(folder, 'endpoint.json'))) !== undefined || (await listNames(folder)).length > 0;
  await rm(folder, { recursive: true, force: true });
  return existed;
}

/** Reads endpoint.json, creating it (no traffic yet) when the endpoint is new. */
export async function ensureEndpointState(
  localDir: string,
  endpointName: string,
  now: Date,
): Promise<LocalEndpointState> {
  const existing = await readEndpointState(localDir, endpointName);
  if (existing) return existing;
  const created: LocalEndpointState = { name: endpointName, createdAt: now.toISOString(), traffic: {} };
  await writeEndpointState(localDir, created);
  return created;
}

/** The names of the folders in `folder`, sorted; none when it does not exist. */
export async function listNames(folder: string): Promise<string[]> {
  try {
    return (await readdir(folder, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

export function listLocalEndpointNames(localDir: string): Promise<string[]> {
  return listNames(join(localDir, 'endpoints'));
}

/** Every recorded deployment state, of one endpoint or of all, sorted by endpoint then deployment. */
export async function listDeploymentStates(
  localDir: string,
  endpointName?: string,
): Promise<LocalDeploymentState[]> {
  const endpoints = endpointName ? [endpointName] : await listLocalEndpointNames(localDir);
  const states: LocalDeploymentState[] = [];
  for (const endpoint of endpoints) {
    for (const deployment of await listNames(join(endpointFolder(localDir, endpoint), 'deployments'))) {
      const state = await readDeploymentState(localDir, endpoint, deployment);
      if (state) states.push(state);
    }
  }
  return states;
}
