// A fake Azure ML workspace for the azureml target tests: the fake ARM server (optionally backed by Azurite
// for code uploads), an AzureWorkspace wired to it, and counters of the writes it received.

import type { TestContext } from 'node:test';
import { Agent } from 'undici';
import type { AzureWorkspace } from '../../src/azure/workspace.ts';
import { type Clock, fakeClock } from '../../src/clock.ts';
import type { DeploymentSpec } from '../../src/config/spec.ts';
import { type AzuriteBlob, startAzurite } from '../support/azurite.ts';
import { type FakeAzure, type FakeSettings, startFakeAzure } from '../support/fake-azure/index.ts';

export interface TestWorkspace {
  fake: FakeAzure;
  ws: AzureWorkspace;
  clock: Clock;
  azurite: AzuriteBlob | undefined;
  /** PUT/POST/PATCH/DELETE requests to ARM since the last reset. */
  writes(): { method: string; path: string }[];
  resetWrites(): void;
}

export async function startWorkspace(
  t: TestContext,
  opts: { azurite?: boolean; clock?: Clock; settings?: Partial<FakeSettings> } = {},
): Promise<TestWorkspace> {
  const clock = opts.clock ?? fakeClock();
  const azurite = opts.azurite ? await startAzurite() : undefined;
  if (azurite) t.after(() => azurite.close());
  const fake = await startFakeAzure({
    clock,
    ...(azurite ? { blobEndpoint: azurite.blobEndpoint } : {}),
    ...(opts.settings ? { settings: opts.settings } : {}),
  });
  t.after(() => fake.close());
  const dispatcher = new Agent();
  t.after(() => dispatcher.close());
  const ws: AzureWorkspace = {
    client: fake.client({ dispatcher }),
    credential: fake.credential(),
    dispatcher,
    ref: {
      subscriptionId: fake.workspace.subscriptionId,
      resourceGroup: fake.workspace.resourceGroup,
      workspaceName: fake.workspace.workspaceName,
    },
    path: fake.workspacePath,
  };
  let mark = 0;
  const isWrite = (r: { method: string; path: string }) =>
    r.method !== 'GET' && r.path.startsWith('/subscriptions/');
  return {
    fake,
    ws,
    clock,
    azurite,
    writes: () => fake.requests.slice(mark).filter(isWrite),
    resetWrites: () => {
      mark = fake.requests.length;
    },
  };
}

/** PUTs an asset version straight into the fake (setting the scene, not the code under test). */
export async function seedAsset(
  tw: TestWorkspace,
  collection: 'models' | 'codes' | 'environments',
  name: string,
  version: string,
  properties: Record<string, unknown>,
): Promise<void> {
  await tw.ws.client.put(`${tw.ws.path}/${collection}/${name}/versions/${version}`, { body: { properties } });
}

/** A managed deployment of endpoint `endpointName` whose assets are all registered references. */
export function managedSpec(
  name: string,
  endpointName: string,
  overrides: Partial<DeploymentSpec> = {},
): DeploymentSpec {
  return {
    name,
    endpointName,
    computeKind: 'managed',
    tags: {},
    properties: {},
    environmentVariables: {},
    appInsightsEnabled: false,
    model: { kind: 'version', name: 'm', version: '1' },
    code: { code: { kind: 'version', name: 'score', version: '1' }, scoringScript: 'score.py' },
    environment: { kind: 'version', name: 'env', version: '1' },
    instanceType: 'Standard_DS3_v2',
    instanceCount: 1,
    ...overrides,
  };
}
