// Wiring for the Azure registry tests: one fake Azure per test whose default datastore points, through a
// recording fault proxy, at a shared Azurite; a registry over that workspace on a fake clock.

import { createHash } from 'node:crypto';
import type { TestContext } from 'node:test';
import { Agent, type Dispatcher } from 'undici';
import type { BlobRequestEvent } from '../../src/azure/blob/blob-client.ts';
import type { Credential } from '../../src/azure/credentials/credential.ts';
import type { AzureWorkspace } from '../../src/azure/workspace.ts';
import { fakeClock } from '../../src/clock.ts';
import type { ModelSpec } from '../../src/config/spec.ts';
import { recordingLog } from '../../src/log.ts';
import { AzureModelRegistry, type AzureRegistryOptions } from '../../src/registry/azureml-registry.ts';
import type { AzuriteBlob } from '../support/azurite.ts';
import { type FakeAzure, type FakeSettings, startFakeAzure } from '../support/fake-azure/index.ts';
import { azuriteReader, type BlobProxy, startBlobProxy } from './blob-proxy.ts';

export const KiB = 1024;

export interface RegistrySetup {
  fake: FakeAzure;
  proxy: BlobProxy;
  clock: ReturnType<typeof fakeClock>;
  log: ReturnType<typeof recordingLog>;
  workspace: AzureWorkspace;
  registry: AzureModelRegistry;
  /** Blob request attempts the registry's client made. */
  blobEvents: BlobRequestEvent[];
  reader: ReturnType<typeof azuriteReader>;
  /** Another registry over the same workspace (fresh options). */
  makeRegistry(options?: AzureRegistryOptions): AzureModelRegistry;
  /** ARM requests below the workspace matching method and path. */
  arm(method: string, path: RegExp): number;
}

export async function setupRegistry(
  t: TestContext,
  azurite: AzuriteBlob,
  options: {
    settings?: Partial<FakeSettings>;
    registry?: AzureRegistryOptions;
    credential?: (fake: FakeAzure) => Credential;
    armDispatcher?: (base: Dispatcher) => Dispatcher;
    blobEndpoint?: string;
    blobDispatcher?: Dispatcher;
  } = {},
): Promise<RegistrySetup> {
  const clock = fakeClock();
  const proxy = await startBlobProxy(options.blobEndpoint ?? azurite.blobEndpoint);
  t.after(() => proxy.close());
  const fake = await startFakeAzure({
    clock,
    blobEndpoint: proxy.url,
    ...(options.settings ? { settings: options.settings } : {}),
  });
  t.after(() => fake.close());
  const armAgent = new Agent();
  const blobAgent = options.blobDispatcher ?? new Agent();
  t.after(async () => {
    await armAgent.close();
    if (!options.blobDispatcher) await blobAgent.close();
  });
  const credential = options.credential ? options.credential(fake) : fake.credential();
  const workspace: AzureWorkspace = {
    client: fake.client({
      credential,
      dispatcher: options.armDispatcher ? options.armDispatcher(armAgent) : armAgent,
    }),
    credential,
    dispatcher: blobAgent,
    ref: {
      subscriptionId: fake.workspace.subscriptionId,
      resourceGroup: fake.workspace.resourceGroup,
      workspaceName: fake.workspace.workspaceName,
    },
    path: fake.workspacePath,
  };
  const log = recordingLog();
  const blobEvents: BlobRequestEvent[] = [];
  const makeRegistry = (extra: AzureRegistryOptions = {}) =>
    new AzureModelRegistry(workspace, {
      log,
      clock,
      random: () => 0.5,
      onBlobRequest: (e) => blobEvents.push(e),
      ...options.registry,
      ...extra,
    });
  return {
    fake,
    proxy,
    clock,
    log,
    workspace,
    registry: makeRegistry(),
    blobEvents,
    reader: azuriteReader(options.blobEndpoint ?? azurite.blobEndpoint, fake.containerName),
    makeRegistry,
    arm: (method, path) =>
      fake.requests.filter((r) => r.method === method && path.test(r.path.slice(fake.workspacePath.length)))
        .length,
  };
}

export function modelSpec(modelPath: string, extra: Partial<ModelSpec> = {}): ModelSpec {
  return { name: 'diabetes', type: 'custom_model', path: modelPath, tags: {}, properties: {}, ...extra };
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Deterministic pseudo-random bytes (so a failure reproduces). */
export function patternBytes(size: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
