// The local host's environment (issue 16, item 14): a clean base, never the runner's secrets, plus the
// deployment's environment_variables. Through the CLI with a real python3 host that answers with its os.environ.

import assert from 'node:assert/strict';
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { cli } from '../support/cli.ts';
import { localAuthHeader, localEndpointKey } from '../support/local-key.ts';
import { tempDir } from '../support/tmp.ts';
import { fixtures } from './helpers.ts';

const RUNNER_SECRETS = {
  AZURE_CLIENT_SECRET: 'azure-client-secret-value',
  GITHUB_TOKEN: 'ghs_runner_token_value',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'id-token-request-token',
  ACTIONS_RUNTIME_TOKEN: 'actions-runtime-token',
  INPUT_CLIENT_SECRET: 'input-client-secret',
  AWS_SECRET_ACCESS_KEY: 'aws-secret',
};

test('the host inherits no runner secret, only the clean base and the deployment variables', async (t) => {
  const dir = await tempDir(t);
  await cp(join(fixtures, 'env-echo'), join(dir, 'code'), { recursive: true });
  t.after(() => cli(['delete-service', '--target=local', '--endpoint-name=env-ep'], { cwd: dir }));
  const r = await cli(
    [
      'deploy-model',
      '--target=local',
      '--endpoint-name=env-ep',
      '--code-path=code',
      '--scoring-script=score.py',
      '--environment-variables=MINE=mine-value',
      '--pr-comment=false',
    ],
    { cwd: dir, env: { ...RUNNER_SECRETS, LANG: 'C.UTF-8', PYTHONIOENCODING: 'utf-8' } },
  );
  assert.equal(r.code, 0, r.stderr);
  // No endpoint file: key auth, as Azure gives a new endpoint.
  const res = await fetch(r.outputs['scoring-uri']!, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await localAuthHeader(dir, 'env-ep')) },
    body: '{}',
  });
  assert.equal(res.status, 200);
  const env = (await res.json()) as Record<string, string>;
  const key = await localEndpointKey(dir, 'env-ep');
  for (const [name, value] of Object.entries(env)) {
    assert.ok(!value.includes(key), `the endpoint's key reached the user's code in ${name}`);
  }
  assert.equal(env['AZUREML_LOCAL_SCORING_KEY'], undefined, 'the key variable is removed before run()');
  for (const name of Object.keys(RUNNER_SECRETS))
    assert.equal(env[name], undefined, `${name} reached the host`);
  assert.equal(env['MINE'], 'mine-value', 'the deployment variables are passed');
  assert.equal(env['LANG'], 'C.UTF-8', 'the clean base is kept');
  assert.equal(env['PYTHONIOENCODING'], 'utf-8');
  assert.ok(env['PATH'], 'PATH is kept');
});
