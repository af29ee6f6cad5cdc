import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { createCodeAsset, planCodeAsset } from '../../src/azure/assets/code-asset.ts';
import { createMissingAssets, planDeploymentAssets } from '../../src/azure/assets/deployment-assets.ts';
import { createEnvironmentVersion, planEnvironment } from '../../src/azure/assets/environment-asset.ts';
import { resolveModelReference } from '../../src/azure/assets/references.ts';
import { CODE_HASH_PROPERTY } from '../../src/azure/bodies/code-version.ts';
import type { DeploymentSpec, InlineEnvironment } from '../../src/config/spec.ts';
import { UsageError } from '../../src/errors.ts';
import { AZURITE_ACCOUNT, AZURITE_KEY } from '../support/fake-azure/index.ts';
import { accountSas } from '../support/fake-azure/sas.ts';
import { tempDir } from '../support/tmp.ts';
import { seedAsset, startWorkspace } from './helpers.ts';

async function codeFolder(dir: string, score = 'def init():\n  pass\n'): Promise<string> {
  const code = path.join(dir, 'onlinescoring');
  await mkdir(path.join(code, 'lib'), { recursive: true });
  await writeFile(path.join(code, 'score.py'), score);
  await writeFile(path.join(code, 'lib', 'helper.py'), 'X = 1\n');
  await writeFile(path.join(code, '.amlignore'), '*.log\n');
  await writeFile(path.join(code, 'debug.log'), 'ignored\n');
  return code;
}

test('a code folder is uploaded once through startPendingUpload and named by its content', async (t) => {
  const tw = await startWorkspace(t, { azurite: true });
  const code = await codeFolder(await tempDir(t));

  const planned = await planCodeAsset(tw.ws, code);
  assert.equal(planned.exists, false);
  assert.equal(planned.name, 'onlinescoring');
  assert.match(planned.version, /^[0-9a-f]{32}$/);
  assert.deepEqual(tw.writes(), [], 'planning writes nothing');

  const made = await createCodeAsset(tw.ws, planned);
  assert.equal(made.created, true);
  assert.equal(made.uploadedFiles, 3, 'score.py, lib/helper.py and .amlignore; debug.log is ignored');
  assert.deepEqual(
    tw.writes().map((w) => `${w.method} ${w.path.replace(tw.ws.path, '')}`),
    [
      `POST /codes/onlinescoring/versions/${planned.version}/startPendingUpload`,
      `PUT /codes/onlinescoring/versions/${planned.version}`,
    ],
  );
  const stored = tw.fake.inspect(`/codes/onlinescoring/versions/${planned.version}`).body as {
    properties: { codeUri: string; isAnonymous: boolean; properties: Record<string, string> };
  };
  assert.equal(stored.properties.properties[CODE_HASH_PROPERTY], planned.contentHash);
  assert.equal(stored.properties.isAnonymous, true);

  // The blobs are really there, under codeUri.
  const sas = accountSas({
    account: AZURITE_ACCOUNT,
    key: AZURITE_KEY,
    permissions: 'rl',
    resourceTypes: 'sco',
    expiresOnMs: Date.now() + 600_000,
  });
  const score = await fetch(`${stored.properties.codeUri}/score.py?${sas}`);
  assert.equal(score.status, 200);
  assert.equal(await score.text(), 'def init():\n  pass\n');
  const helper = await fetch(`${stored.properties.codeUri}/lib/helper.py?${sas}`);
  assert.equal(await helper.text(), 'X = 1\n');
  assert.equal((await fetch(`${stored.properties.codeUri}/debug.log?${sas}`)).status, 404);

  // Unchanged code: found by name, nothing uploaded or written.
  tw.resetWrites();
  const again = await planCodeAsset(tw.ws, code);
  assert.equal(again.exists, true);
  assert.equal(again.id, planned.id);
  assert.equal((await createCodeAsset(tw.ws, again)).uploadedFiles, 0);
  assert.deepEqual(tw.writes(), []);

  // Changed code: a new version.
  await writeFile(path.join(code, 'score.py'), 'def init():\n  return 2\n');
  const changed = await planCodeAsset(tw.ws, code);
  assert.equal(changed.exists, false);
  assert.notEqual(changed.version, planned.version);
});

test('an empty or missing code folder is a config error about the code', async (t) => {
  const tw = await startWorkspace(t);
  const dir = await tempDir(t);
  await assert.rejects(planCodeAsset(tw.ws, path.join(dir, 'nope')), /code path does not exist/);
  await mkdir(path.join(dir, 'empty'));
  await assert.rejects(planCodeAsset(tw.ws, path.join(dir, 'empty')), /the code folder is empty/);
});

test('a code version with the same name but another hash is refused, never overwritten', async (t) => {
  const tw = await startWorkspace(t);
  const code = await codeFolder(await tempDir(t));
  const planned = await planCodeAsset(tw.ws, code);
  await seedAsset(tw, 'codes', planned.name, planned.version, {
    codeUri: 'https://elsewhere/x',
    properties: { [CODE_HASH_PROPERTY]: 'sha256:0000' },
  });
  await assert.rejects(planCodeAsset(tw.ws, code), /already exists with content hash sha256:0000/);
});

const IMAGE = 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest';
const CONDA = { name: 'env', channels: ['conda-forge'], dependencies: ['python=3.10', 'pip'] };

test('an inline environment becomes the anonymous version of the §7 formula, created once', async (t) => {
  const tw = await startWorkspace(t);
  const env: InlineEnvironment = { kind: 'inline', image: IMAGE, condaFile: { content: CONDA } };
  const planned = await planEnvironment(tw.ws, env, 'managed');
  assert.equal(planned.kind, 'version');
  if (planned.kind !== 'version') return;
  assert.equal(planned.name, 'CliV2AnonymousEnvironment');
  assert.match(planned.version, /^[0-9a-f]{32}$/);
  assert.equal(planned.exists, false);
  assert.deepEqual(tw.writes(), []);
  assert.equal(await createEnvironmentVersion(tw.ws, planned), true);
  const stored = tw.fake.inspect(`/environments/CliV2AnonymousEnvironment/versions/${planned.version}`)
    .body as {
    properties: Record<string, unknown>;
  };
  assert.equal(
    stored.properties.condaFile,
    'channels:\n- conda-forge\ndependencies:\n- python=3.10\n- pip\nname: env\n',
  );
  assert.equal(stored.properties.isAnonymous, true);

  tw.resetWrites();
  const again = await planEnvironment(tw.ws, env, 'managed');
  assert.equal(again.kind === 'version' && again.exists, true);
  assert.equal(await createEnvironmentVersion(tw.ws, again), false);
  assert.deepEqual(tw.writes(), []);
});

test('a named environment version is reused when identical and refused when its content differs', async (t) => {
  const tw = await startWorkspace(t);
  await seedAsset(tw, 'environments', 'my-env', '1', { image: IMAGE, osType: 'Linux' });
  const same = await planEnvironment(
    tw.ws,
    { kind: 'inline', name: 'my-env', version: '1', image: IMAGE },
    'managed',
  );
  assert.equal(same.kind === 'version' && same.exists, true);

  await assert.rejects(
    planEnvironment(tw.ws, { kind: 'inline', name: 'my-env', version: '1', image: 'other:1' }, 'managed'),
    (err: unknown) => err instanceof UsageError && /already exists with a different image/.test(err.message),
  );

  // Without a version: identical latest reused, else the next version.
  const reuse = await planEnvironment(tw.ws, { kind: 'inline', name: 'my-env', image: IMAGE }, 'managed');
  assert.equal(reuse.kind === 'version' && `${reuse.version} ${reuse.exists}`, '1 true');
  const next = await planEnvironment(tw.ws, { kind: 'inline', name: 'my-env', image: 'other:2' }, 'managed');
  assert.equal(next.kind === 'version' && `${next.version} ${next.exists}`, '2 false');
});

test('environment references: @latest resolved, curated sent literally, missing versions refused', async (t) => {
  const tw = await startWorkspace(t);
  await seedAsset(tw, 'environments', 'env', '1', { image: IMAGE });
  await seedAsset(tw, 'environments', 'env', '7', { image: IMAGE });
  const latest = await planEnvironment(tw.ws, { kind: 'latest', name: 'env' }, 'managed');
  assert.equal(latest.environmentId, `${tw.ws.path}/environments/env/versions/7`);
  const curated = await planEnvironment(
    tw.ws,
    { kind: 'curated', id: 'azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu:1' },
    'kubernetes',
  );
  assert.equal(curated.environmentId, 'azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu:1');
  await assert.rejects(
    planEnvironment(tw.ws, { kind: 'version', name: 'env', version: '9' }, 'managed'),
    UsageError,
  );
  await assert.rejects(
    planEnvironment(
      tw.ws,
      { kind: 'registry', uri: 'azureml://registries/azureml/environments/x/versions/1' },
      'kubernetes',
    ),
    /not supported for Kubernetes/,
  );
});

test('model references: name:version checked, @latest is the newest created, paths must be registered', async (t) => {
  const tw = await startWorkspace(t);
  for (const v of ['1', '10', '2'])
    await seedAsset(tw, 'models', 'm', v, { modelUri: 'azureml://datastores/d/paths/p' });
  tw.resetWrites();
  const latest = await resolveModelReference(tw.ws, { kind: 'latest', name: 'm' }, 'managed');
  assert.equal(latest.id, `${tw.ws.path}/models/m/versions/2`, 'latest = most recently created, not highest');
  assert.equal(
    (await resolveModelReference(tw.ws, { kind: 'version', name: 'm', version: '10' }, 'managed')).id,
    `${tw.ws.path}/models/m/versions/10`,
  );
  await assert.rejects(
    resolveModelReference(tw.ws, { kind: 'version', name: 'm', version: '3' }, 'managed'),
    /does not exist/,
  );
  await assert.rejects(
    resolveModelReference(tw.ws, { kind: 'latest', name: 'none' }, 'managed'),
    /has no version/,
  );
  await assert.rejects(
    resolveModelReference(tw.ws, { kind: 'path', path: '/tmp/m' }, 'managed'),
    /register it first/,
  );
  const armId =
    '/subscriptions/x/resourceGroups/y/providers/Microsoft.MachineLearningServices/workspaces/z/models/m/versions/1';
  assert.equal((await resolveModelReference(tw.ws, { kind: 'arm-id', id: armId }, 'kubernetes')).id, armId);
  assert.deepEqual(tw.writes(), [], 'resolving references writes nothing');
});

test('planDeploymentAssets reads only; createMissingAssets creates code then environment', async (t) => {
  const tw = await startWorkspace(t, { azurite: true });
  const code = await codeFolder(await tempDir(t));
  await seedAsset(tw, 'models', 'm', '1', { modelUri: 'azureml://datastores/d/paths/p' });
  tw.resetWrites();
  const spec: DeploymentSpec = {
    name: 'blue',
    endpointName: 'ep',
    computeKind: 'managed',
    tags: {},
    properties: {},
    environmentVariables: {},
    appInsightsEnabled: false,
    model: { kind: 'version', name: 'm', version: '1' },
    code: { code: { kind: 'path', path: code }, scoringScript: 'score.py' },
    environment: { kind: 'inline', image: IMAGE, condaFile: { content: CONDA } },
  };
  const planned = await planDeploymentAssets(tw.ws, spec);
  assert.deepEqual(tw.writes(), []);
  assert.equal(planned.ids.model, `${tw.ws.path}/models/m/versions/1`);
  assert.match(planned.ids.codeId ?? '', /\/codes\/onlinescoring\/versions\/[0-9a-f]{32}$/);
  assert.match(planned.ids.environmentId ?? '', /\/environments\/CliV2AnonymousEnvironment\/versions\//);
  const created = await createMissingAssets(tw.ws, planned);
  assert.equal(created.created.length, 2);
  const codeVersion = planned.ids.codeId?.split('/').pop();
  const envVersion = planned.ids.environmentId?.split('/').pop();
  assert.deepEqual(
    tw.writes().map((w) => `${w.method} ${w.path.slice(tw.ws.path.length)}`),
    [
      `POST /codes/onlinescoring/versions/${codeVersion}/startPendingUpload`,
      `PUT /codes/onlinescoring/versions/${codeVersion}`,
      `PUT /environments/CliV2AnonymousEnvironment/versions/${envVersion}`,
    ],
  );
});
