// What the local target knows about its batch endpoints, on disk so that a later step (the job in
// smoke-test-service, delete-service) running in another process finds them:
//   <localDir>/batch-endpoints/<endpoint>/endpoint.json                          default deployment, created at
//   <localDir>/batch-endpoints/<endpoint>/deployments/<deployment>/state.json    interpreter, code, model, settings
//   <localDir>/batch-endpoints/<endpoint>/deployments/<deployment>/environment.json   variable values (0600)
//   <localDir>/batch-endpoints/<endpoint>/deployments/<deployment>/code/         the code folder as deployed
// Separate from the online services' folder: a batch deployment is checked, then run per job, never served.

import { copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BatchSettings } from '../../config/spec.ts';
import { assertSafeName, listNames, readJson, writeJsonAtomic } from './service-state.ts';

export interface LocalBatchEndpointState {
  name: string;
  createdAt: string;
  /** The deployment a job runs on when it names none. */
  defaultDeployment?: string;
}

export interface LocalBatchDeploymentState {
  endpointName: string;
  deploymentName: string;
  /** The interpreter deploy-model checked the script with; jobs use it again. */
  python: string;
  pythonVersion?: string;
  /** `azureml:NAME:VERSION`. */
  modelId: string;
  /** AZUREML_MODEL_DIR. */
  modelDir: string;
  /**
   * The code folder as deployed (a copy, as Azure keeps a code asset: editing the sources does not change a
   * deployment) and the script in it; absent for an MLflow model without a script.
   */
  codeDir?: string;
  scoringScript?: string;
  settings: BatchSettings;
  /** Workers per job (max_concurrency_per_instance). */
  workers: number;
  fingerprint: string;
  deployedAt: string;
  /** Names only: the values live in environment.json. */
  environmentVariableNames: string[];
}

const root = (localDir: string) => join(localDir, 'batch-endpoints');

export function batchEndpointFolder(localDir: string, endpoint: string): string {
  assertSafeName('endpoint', endpoint);
  return join(root(localDir), endpoint);
}

function deploymentFolder(localDir: string, endpoint: string, deployment: string): string {
  assertSafeName('deployment', deployment);
  return join(batchEndpointFolder(localDir, endpoint), 'deployments', deployment);
}

export function readBatchEndpoint(localDir: string, endpoint: string) {
  return readJson<LocalBatchEndpointState>(join(batchEndpointFolder(localDir, endpoint), 'endpoint.json'));
}

export function writeBatchEndpoint(localDir: string, state: LocalBatchEndpointState): Promise<void> {
  return writeJsonAtomic(join(batchEndpointFolder(localDir, state.name), 'endpoint.json'), state);
}

export function readBatchDeployment(localDir: string, endpoint: string, deployment: string) {
  return readJson<LocalBatchDeploymentState>(
    join(deploymentFolder(localDir, endpoint, deployment), 'state.json'),
  );
}

export async function readBatchEnvironment(
  localDir: string,
  endpoint: string,
  deployment: string,
): Promise<Record<string, string>> {
  return (
    (await readJson<Record<string, string>>(
      join(deploymentFolder(localDir, endpoint, deployment), 'environment.json'),
    )) ?? {}
  );
}

export async function writeBatchDeployment(
  localDir: string,
  state: LocalBatchDeploymentState,
  environment: Record<string, string>,
): Promise<void> {
  const folder = deploymentFolder(localDir, state.endpointName, state.deploymentName);
  await writeJsonAtomic(join(folder, 'environment.json'), environment);
  await writeJsonAtomic(join(folder, 'state.json'), state);
}

/**
 * Copies the code folder into the deployment's folder (Python caches and the local target's own folder left
 * out), replacing an earlier copy; returns where it is.
 */
export async function snapshotCode(
  localDir: string,
  endpoint: string,
  deployment: string,
  codeDir: string,
): Promise<string> {
  const folder = deploymentFolder(localDir, endpoint, deployment);
  const target = join(folder, 'code');
  const fresh = join(folder, `code.${process.pid}.new`);
  const skipDir = resolve(localDir);
  const copy = async (from: string, to: string) => {
    await mkdir(to, { recursive: true });
    for (const entry of await readdir(from, { withFileTypes: true })) {
      const source = join(from, entry.name);
      if (entry.name === '__pycache__' || entry.name.endsWith('.pyc') || resolve(source) === skipDir)
        continue;
      const folder = entry.isDirectory() || (entry.isSymbolicLink() && (await stat(source)).isDirectory());
      if (folder) await copy(source, join(to, entry.name));
      else await copyFile(source, join(to, entry.name));
    }
  };
  await rm(fresh, { recursive: true, force: true });
  await copy(codeDir, fresh);
  await rm(target, { recursive: true, force: true });
  await rename(fresh, target);
  return target;
}

export function listBatchDeployments(localDir: string, endpoint: string): Promise<string[]> {
  return listNames(join(batchEndpointFolder(localDir, endpoint), 'deployments'));
}

export function listBatchEndpoints(localDir: string): Promise<string[]> {
  return listNames(root(localDir));
}

/** True when there was one. */
export async function removeBatchDeployment(
  localDir: string,
  endpoint: string,
  deployment: string,
): Promise<boolean> {
  const folder = deploymentFolder(localDir, endpoint, deployment);
  const existed = (await readJson(join(folder, 'state.json'))) !== undefined;
  await rm(folder, { recursive: true, force: true });
  return existed;
}

/** True when there was one. */
export async function removeBatchEndpoint(localDir: string, endpoint: string): Promise<boolean> {
  const folder = batchEndpointFolder(localDir, endpoint);
  const existed = (await readBatchEndpoint(localDir, endpoint)) !== undefined;
  await rm(folder, { recursive: true, force: true });
  return existed;
}
