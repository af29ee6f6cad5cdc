// The root pipeline action has deploy-model's post: step: on a cancelled job it puts back the traffic maps a
// killed rollout had changed (the state saved under RESTORE_STATE), against the fake Azure.

import assert from 'node:assert/strict';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pipelineAction } from '../../src/actions/pipeline/main.ts';
import { runAction } from '../../src/actions/shared/run-action.ts';
import { createCliIO } from '../../src/cli/cli-io.ts';
import { systemClock } from '../../src/clock.ts';
import { RESTORE_STATE } from '../../src/targets/target.ts';
import { azureArgs } from '../support/azure-args.ts';
import { type AzuriteBlob, startAzurite } from '../support/azurite.ts';
import { cli } from '../support/cli.ts';
import { startFakeAzure } from '../support/fake-azure/index.ts';
import { tempDir } from '../support/tmp.ts';

const root = path.resolve(import.meta.dirname, '../..');
let azurite: AzuriteBlob;
before(async () => {
  azurite = await startAzurite();
});
after(() => azurite.close());

test('the pipeline post: step of a cancelled run restores the traffic maps', async (t) => {
  const fake = await startFakeAzure({
    blobEndpoint: azurite.blobEndpoint,
    settings: { provisioningDelayMs: 50 },
  });
  t.after(() => fake.close());
  const dir = await tempDir(t);
  await cp(path.join(root, 'examples/demo'), dir, { recursive: true });
  const base = ['--endpoint-file=endpoint.yml', '--deployment-file=deployment.yml', ...azureArgs(fake)];
  assert.equal((await cli(['pipeline', ...base], { cwd: dir })).code, 0);
  const green = await cli(['pipeline', ...base, '--deployment-name=green', '--traffic=all'], { cwd: dir });
  assert.equal(green.code, 0, green.stderr);
  assert.deepEqual(JSON.parse(green.outputs['traffic']!), { green: 100 });

  const inputs = Object.fromEntries(
    base.map((a) => {
      const [k, ...v] = a.slice(2).split('=');
      return [k!, v.join('=')];
    }),
  );
  let stderr = '';
  const io = createCliIO({
    read: (n) => inputs[n],
    streams: { stdout: { write: () => true }, stderr: { write: (s: string) => (stderr += s) } },
    env: {},
  });
  io.saveState(
    RESTORE_STATE,
    JSON.stringify({
      endpoint: 'azureml-deploy-demo',
      previous: { traffic: { blue: 100 }, mirrorTraffic: {} },
    }),
  );
  const result = await runAction(pipelineAction, io, { clock: systemClock, cwd: dir, env: {} }, 'post');
  assert.equal(result.exitCode, 0, stderr);
  assert.match(stderr, /traffic of azureml-deploy-demo restored to blue=100/);
  const endpoint = fake.requests
    .filter((r) => r.method === 'PUT' && /\/onlineEndpoints\/azureml-deploy-demo$/.test(r.path))
    .at(-1);
  assert.deepEqual(
    (endpoint!.body as { properties: { traffic: Record<string, number> } }).properties.traffic,
    {
      blue: 100,
    },
  );
});
