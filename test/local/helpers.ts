// Shared set-up for the local target tests: temp folders, a model "registered" the way the local
// registry lays it out (<localDir>/models/<name>/<version>/<artifact>), and cleanup of started services.

import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../src/clock.ts';
import { recordingLog } from '../../src/log.ts';
import {
  type LocalServiceDeps,
  type LocalServiceRequest,
  stopLocalService,
} from '../../src/targets/local/local-service.ts';
import { listDeploymentStates } from '../../src/targets/local/service-state.ts';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const fixtures = join(repoRoot, 'test/fixtures/local');
export const examples = join(repoRoot, 'examples');

/** A fresh folder under the OS temp dir, removed (with every service recorded in it stopped) after the test. */
export async function tempLocalDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'azureml-local-'));
  t.after(async () => {
    for (const state of await listDeploymentStates(dir).catch(() => [])) {
      await stopLocalService(dir, state.endpointName, state.deploymentName, { clock: systemClock });
    }
    await rm(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Copies a file or folder to <localDir>/models/<name>/<version>/<its name>; returns the version folder. */
export async function registerModel(
  localDir: string,
  name: string,
  version: string,
  source: string,
): Promise<string> {
  const versionDir = join(localDir, 'models', name, version);
  await mkdir(versionDir, { recursive: true });
  await cp(source, join(versionDir, basename(source)), { recursive: true });
  return versionDir;
}

export function testDeps(overrides: Partial<LocalServiceDeps> = {}): LocalServiceDeps & {
  log: ReturnType<typeof recordingLog>;
} {
  return {
    clock: systemClock,
    log: recordingLog(),
    pollIntervalMs: 50,
    env: hostPyEnv(),
    ...overrides,
  } as LocalServiceDeps & {
    log: ReturnType<typeof recordingLog>;
  };
}

export function request(
  localDir: string,
  modelDir: string,
  overrides: Partial<LocalServiceRequest> = {},
): LocalServiceRequest {
  return {
    localDir,
    endpointName: 'ep1',
    deploymentName: 'blue',
    modelDir,
    modelName: 'demo',
    modelVersion: '1',
    codeDir: join(fixtures, 'behaviours'),
    scoringScript: 'score.py',
    environmentVariables: {},
    runtime: 'auto',
    deadline: Date.now() + 15_000,
    ...overrides,
  };
}

export async function postScore(
  uri: string,
  body: unknown,
): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(uri, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** process.env without PATH folders holding azmlinfsrv, so these tests exercise the bundled host.py. */
export function hostPyEnv(): NodeJS.ProcessEnv {
  const path = (process.env['PATH'] ?? '')
    .split(delimiter)
    .filter((folder) => folder && !existsSync(join(folder, 'azmlinfsrv')))
    .join(delimiter);
  return { ...process.env, PATH: path };
}
