// The starting point of the rollout tests: the demo example (examples/demo) copied to a temp folder and deployed
// through the CLI as `blue`, live at 100 %, on a fake Azure (Azurite behind its uploads) that runs on a fake
// clock, so waits and polls take no time.

import assert from 'node:assert/strict';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { fakeClock } from '../../src/clock.ts';
import { azureArgs } from './azure-args.ts';
import type { AzuriteBlob } from './azurite.ts';
import { cli } from './cli.ts';
import { type FakeAzureOptions, startFakeAzure } from './fake-azure/index.ts';
import { tempDir } from './tmp.ts';

const root = path.resolve(import.meta.dirname, '../..');
export const DEMO_ENDPOINT = 'azureml-deploy-demo';

export async function blueServing(
  t: TestContext,
  azurite: AzuriteBlob,
  options: Partial<FakeAzureOptions> = {},
) {
  const clock = fakeClock();
  const fake = await startFakeAzure({
    clock,
    blobEndpoint: azurite.blobEndpoint,
    settings: { provisioningDelayMs: 100 },
    ...options,
  });
  t.after(() => fake.close());
  const dir = await tempDir(t);
  await cp(path.join(root, 'examples/demo'), dir, { recursive: true });
  /** deploy-model with the demo's files, against this fake. */
  const base = [
    'deploy-model',
    '--endpoint-file=endpoint.yml',
    '--deployment-file=deployment.yml',
    ...azureArgs(fake),
  ];
  const blue = await cli(base, { cwd: dir, clock });
  assert.equal(blue.code, 0, blue.stderr);
  return { clock, fake, dir, base };
}
