import assert from 'node:assert/strict';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { SecretSet } from '../../src/io/redact.ts';
import { recordingLog } from '../../src/log.ts';
import {
  artifactName,
  shouldUploadArtifacts,
  type UploadFn,
  uploadReportArtifacts,
} from '../../src/report/artifacts.ts';
import { tempDir } from '../support/tmp.ts';

const SECRET = 's3cr3t-key/with+chars';

function secrets(): SecretSet {
  const set = new SecretSet();
  set.add(SECRET);
  return set;
}

/** An upload that reads what it is given while it still exists (the staging folder is removed afterwards). */
function recordingUpload(): UploadFn & {
  calls: { name: string; root: string; files: Record<string, string> }[];
} {
  const calls: { name: string; root: string; files: Record<string, string> }[] = [];
  const upload = async (name: string, files: string[], root: string) => {
    const contents: Record<string, string> = {};
    for (const f of files) {
      assert.ok(f.startsWith(root + path.sep), `${f} is under the root`);
      contents[path.relative(root, f)] = await readFile(f, 'utf8');
    }
    calls.push({ name, root, files: contents });
    return { id: 7, size: 123 };
  };
  return Object.assign(upload, { calls });
}

test('outside GitHub (no ACTIONS_RUNTIME_TOKEN) nothing is staged or uploaded, with a debug line', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'host.log');
  await writeFile(file, 'log');
  const upload = recordingUpload();
  const log = recordingLog();
  const res = await uploadReportArtifacts({
    name: 'a',
    files: [file],
    secrets: secrets(),
    log,
    env: {},
    upload,
  });
  assert.equal(res, undefined);
  assert.equal(upload.calls.length, 0);
  assert.deepEqual(log.records, [
    { level: 'debug', message: 'artifact: not uploaded outside GitHub Actions (no ACTIONS_RUNTIME_TOKEN)' },
  ]);
});

test('files are uploaded as redacted copies: folders expanded, binaries and missing files left out', async (t) => {
  const dir = await tempDir(t);
  const runnerTemp = path.join(dir, 'runner-temp');
  const logFile = path.join(dir, 'host.log');
  const plan = path.join(dir, 'plan.json');
  const transcripts = path.join(dir, 'smoke');
  const binary = path.join(dir, 'model.bin');
  const original = `key=${SECRET}\nurl=https://x/?k=${encodeURIComponent(SECRET)}\nok line\n`;
  await writeFile(logFile, original);
  await writeFile(plan, JSON.stringify({ apiKey: SECRET, steps: ['create'] }));
  await mkdir(path.join(transcripts, 'nested'), { recursive: true });
  await writeFile(path.join(transcripts, 'nested', 'host.log'), `second log ${SECRET}`);
  await writeFile(path.join(transcripts, 'request-1.txt'), 'POST /score -> 200');
  await writeFile(binary, Buffer.from([0x50, 0x4b, 0x00, 0x01, ...Buffer.from(SECRET)]));
  const upload = recordingUpload();
  const log = recordingLog();

  const res = await uploadReportArtifacts({
    name: 'azureml-deploy-deploy-model-ep-1',
    files: [logFile, plan, transcripts, binary, path.join(dir, 'missing.txt')],
    secrets: secrets(),
    log,
    env: { ACTIONS_RUNTIME_TOKEN: 'runtime-token', RUNNER_TEMP: runnerTemp },
    upload,
  });

  assert.deepEqual(res, { name: 'azureml-deploy-deploy-model-ep-1', files: 4, id: 7, size: 123 });
  assert.equal(upload.calls.length, 1);
  const call = upload.calls[0]!;
  assert.ok(call.root.startsWith(runnerTemp), 'staged under RUNNER_TEMP');
  assert.deepEqual(Object.keys(call.files).sort(), ['2-host.log', 'host.log', 'plan.json', 'request-1.txt']);
  for (const [name, text] of Object.entries(call.files)) {
    assert.ok(!text.includes(SECRET), `${name} still holds the secret`);
    assert.ok(!text.includes(encodeURIComponent(SECRET)), `${name} still holds the encoded secret`);
  }
  assert.equal(call.files['host.log'], 'key=***\nurl=https://x/?k=***\nok line\n');
  assert.deepEqual(JSON.parse(call.files['plan.json']!), { apiKey: '***', steps: ['create'] });
  // The originals are untouched and the staging folder is gone.
  assert.equal(await readFile(logFile, 'utf8'), original);
  await assert.rejects(access(call.root));
  assert.match(log.text(), /left out binary file .*model\.bin/);
  assert.match(log.text(), /missing\.txt does not exist/);
});

test('a name already used in this run gets a numbered name; other upload errors are redacted warnings', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'a.log');
  await writeFile(file, 'x');
  const env = { ACTIONS_RUNTIME_TOKEN: 'runtime-token', RUNNER_TEMP: dir };
  const names: string[] = [];
  const conflicted: UploadFn = async (name) => {
    names.push(name);
    if (names.length === 1)
      throw new Error('Failed to CreateArtifact: (409) Conflict: an artifact with this name already exists');
    return {};
  };
  const ok = await uploadReportArtifacts({
    name: 'n',
    files: [file],
    secrets: secrets(),
    log: recordingLog(),
    env,
    upload: conflicted,
  });
  assert.deepEqual(names, ['n', 'n-2']);
  assert.equal(ok?.name, 'n-2');

  const log = recordingLog();
  const failing: UploadFn = async () => {
    throw new Error(`upload refused for ${SECRET}`);
  };
  const res = await uploadReportArtifacts({
    name: 'n',
    files: [file],
    secrets: secrets(),
    log,
    env,
    upload: failing,
  });
  assert.equal(res, undefined);
  assert.deepEqual(
    log.records.filter((r) => r.level === 'warn').map((r) => r.message),
    ['could not upload the artifact n: upload refused for ***'],
  );
});

test('upload-artifacts modes and artifact names', () => {
  assert.equal(shouldUploadArtifacts('on-failure', true), true);
  assert.equal(shouldUploadArtifacts('on-failure', false), false);
  assert.equal(shouldUploadArtifacts('always', false), true);
  assert.equal(shouldUploadArtifacts('never', true), false);
  assert.equal(artifactName('deploy-model', 'pr-7-abc123', '2'), 'azureml-deploy-deploy-model-pr-7-abc123-2');
  assert.equal(artifactName('delete-service', undefined, undefined), 'azureml-deploy-delete-service-1');
  assert.equal(artifactName('pipeline', 'a/b:c', '1'), 'azureml-deploy-pipeline-a_b_c-1');
});
