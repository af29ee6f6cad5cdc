// host.py --mlflow-model: no-code MLflow models with Azure ML's MLflow scoring contract, through real python3
// processes serving a scikit-learn model the test trains and saves in MLflow's layout. Without mlflow
// installed, the sklearn flavor is loaded directly; MLmodel is read with PyYAML and, with PyYAML hidden, with
// host's own reader. Needs scikit-learn for /usr/bin/python3 (apt-get install python3-sklearn); skipped otherwise.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { parse } from 'yaml';
import { findFailureReason } from '../../src/targets/local/host-log.ts';
import { tempDir } from '../support/tmp.ts';
import { examples, postScore, repoRoot } from './helpers.ts';

const PYTHON = '/usr/bin/python3';
const HOST_PY = join(repoRoot, 'src/local-host/host.py');
const probe = spawnSync(PYTHON, ['-c', 'import sklearn, numpy'], { encoding: 'utf8' });
const skip =
  probe.status === 0
    ? false
    : `scikit-learn is not importable by ${PYTHON}; install it with: apt-get install -y python3-sklearn`;

interface Host {
  url: string;
  output: () => string;
}

interface Exited {
  code: number | null;
  output: string;
}

/**
 * Starts host.py on a free port; resolves with its scoring URL once it listens, or with its exit when it
 * stops first. `hide` makes those Python modules unimportable (as if not installed).
 */
async function startHost(
  t: TestContext,
  args: string[],
  opts: { env?: Record<string, string>; hide?: string[] } = {},
): Promise<Host | Exited> {
  const hide = (opts.hide ?? []).map((m) => `sys.modules[${JSON.stringify(m)}] = None`).join('; ');
  const bootstrap = `import sys, runpy; ${hide}; sys.argv = [${JSON.stringify(HOST_PY)}] + sys.argv[1:]; runpy.run_path(${JSON.stringify(HOST_PY)}, run_name="__main__")`;
  const child: ChildProcess = spawn(PYTHON, ['-u', '-c', bootstrap, ...args, '--port', '0'], {
    env: { PATH: process.env['PATH'] ?? '', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<Exited>((resolve) => child.once('exit', (code) => resolve({ code, output })));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  });
  const listening = new Promise<Host>((resolve) => {
    const check = () => {
      const m = /azureml-local-host: listening on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (m) resolve({ url: `${m[1]}/score`, output: () => output });
    };
    child.stdout!.on('data', check);
  });
  return Promise.race([listening, exited]);
}

function listening(r: Host | Exited): Host {
  if (!('url' in r)) assert.fail(`host.py exited with ${r.code}:\n${r.output}`);
  return r;
}

const COLUMNS = ['alpha', 'beta', 'gamma_feature_with_a_long_name', 'delta'];
const ROWS = [
  [0.5, 1.25, -3, 7],
  [10, -2, 0.125, 1],
  [3, 3, 3, 3],
];

/**
 * Trains a LinearRegression (fitted on a numpy array, as the MLflow sample) and saves it in MLflow's layout:
 * <dir>/MLmodel (as mlflow writes it: the signature's JSON folded over lines) and model.pkl. Returns the
 * model's own predictions for ROWS.
 */
async function saveSklearnModel(
  dir: string,
  opts: { serialization: 'pickle' | 'cloudpickle'; flavors?: string },
): Promise<number[]> {
  await mkdir(dir, { recursive: true });
  const script = `
import json, pickle, sys
import numpy
from sklearn.linear_model import LinearRegression
rng = numpy.random.RandomState(7)
X = rng.uniform(-5, 5, size=(60, 4))
y = X @ numpy.array([1.5, -2.0, 0.25, 3.0]) + 0.5 + rng.normal(0, 0.1, 60)
model = LinearRegression().fit(X, y)
with open(sys.argv[1], "wb") as f:
    pickle.dump(model, f)
print(json.dumps(model.predict(numpy.array(json.loads(sys.argv[2]))).tolist()))
`;
  const r = spawnSync(PYTHON, ['-c', script, join(dir, 'model.pkl'), JSON.stringify(ROWS)], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const inputs = COLUMNS.map((c) => `{"type": "double", "name": "${c}"}`).join(', ');
  const flavors =
    opts.flavors ??
    `  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    model_path: model.pkl
    predict_fn: predict
    python_version: 3.11.2
  sklearn:
    code: null
    pickled_model: model.pkl
    serialization_format: ${opts.serialization}
    sklearn_version: 1.2.1
`;
  await writeFile(
    join(dir, 'MLmodel'),
    `artifact_path: model
flavors:
${flavors}mlflow_version: 2.9.2
model_uuid: 3f2c6b0f0c8f4b3d9c1f3c5f1a2b4c6d
signature:
  inputs: '${fold(`[${inputs}]`)}'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1]}}]'
  params: null
utc_time_created: '2024-05-01 10:00:00.000000'
`,
  );
  return JSON.parse(r.stdout) as number[];
}

/** Folds a single-quoted YAML scalar over lines of about 80 columns, as PyYAML's safe_dump does. */
function fold(text: string): string {
  const words = text.split(' ');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > 72) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  lines.push(line);
  return lines.join('\n    ');
}

function assertClose(actual: unknown, expected: number[]): void {
  assert.ok(Array.isArray(actual), `a JSON list: ${JSON.stringify(actual)}`);
  assert.equal(actual.length, expected.length);
  actual.forEach((v, i) => {
    assert.equal(typeof v, 'number');
    assert.ok(
      Math.abs((v as number) - expected[i]!) <= 1e-9 * Math.max(1, Math.abs(expected[i]!)),
      `${v} vs ${expected[i]}`,
    );
  });
}

async function scoreJson(url: string, body: unknown): Promise<unknown> {
  const res = await postScore(url, body);
  assert.equal(res.status, 200, res.text);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  return JSON.parse(res.text);
}

for (const reader of ['PyYAML', "host.py's own MLmodel reader"] as const) {
  for (const serialization of ['pickle', 'cloudpickle'] as const) {
    test(`an MLflow sklearn model (${serialization}) answers every request form with its own predictions (${reader})`, {
      skip,
    }, async (t) => {
      const dir = await tempDir(t);
      const expected = await saveSklearnModel(join(dir, 'model'), { serialization });
      // cloudpickle is hidden too: a cloudpickle-format file of a plain estimator loads with pickle.
      const hide = ['mlflow', 'cloudpickle', 'pandas', ...(reader === 'PyYAML' ? [] : ['yaml'])];
      const host = listening(await startHost(t, ['--mlflow-model', join(dir, 'model')], { hide }));
      assert.match(host.output(), /loaded with sklearn flavor/);

      // The split form, as the azureml-examples sample request; columns in another order are matched by name.
      assertClose(
        await scoreJson(host.url, { input_data: { columns: COLUMNS, index: [0, 1, 2], data: ROWS } }),
        expected,
      );
      const reordered = [3, 0, 2, 1];
      assertClose(
        await scoreJson(host.url, {
          input_data: {
            columns: reordered.map((i) => COLUMNS[i]),
            data: ROWS.map((row) => reordered.map((i) => row[i])),
          },
        }),
        expected,
      );
      // Records, with keys in any order, and optional params.
      const records = ROWS.map((row) => Object.fromEntries(COLUMNS.map((c, i) => [c, row[i]]).reverse()));
      assertClose(await scoreJson(host.url, { input_data: records, params: { note: 'ignored' } }), expected);
      // A plain list of rows, in the signature's column order.
      assertClose(await scoreJson(host.url, { input_data: ROWS }), expected);
      // MLflow's own serving forms.
      assertClose(await scoreJson(host.url, { dataframe_split: { columns: COLUMNS, data: ROWS } }), expected);
      assertClose(await scoreJson(host.url, { dataframe_records: records }), expected);
      assertClose(
        await scoreJson(host.url, {
          inputs: Object.fromEntries(COLUMNS.map((c, i) => [c, ROWS.map((r) => r[i])])),
        }),
        expected,
      );

      // The signature: a missing column and a wrong count are 400s with the reason.
      const missing = await postScore(host.url, {
        input_data: { columns: ['alpha', 'beta', 'gamma', 'delta'], data: [[1, 2, 3, 4]] },
      });
      assert.equal(missing.status, 400);
      assert.match(missing.text, /signature needs 4 columns; missing: gamma_feature_with_a_long_name/);
      assert.match(missing.text, /does not know: gamma\b/);
      const short = await postScore(host.url, { input_data: [[1, 2, 3]] });
      assert.equal(short.status, 400);
      assert.match(short.text, /row 0 has 3 values but the model's signature has 4 columns/);
      const ragged = await postScore(host.url, { input_data: { columns: COLUMNS, data: [[1, 2]] } });
      assert.equal(ragged.status, 400);
      assert.match(ragged.text, /has 2 values for 4 columns/);
      // The contract: no input_data, not JSON.
      const noInput = await postScore(host.url, { data: ROWS });
      assert.equal(noInput.status, 400);
      assert.match(noInput.text, /top level key named 'input_data'/);
      const notJson = await postScore(host.url, 'input_data=1');
      assert.equal(notJson.status, 400);
      assert.match(notJson.text, /not JSON/);
      // The model's own failure stays a 500 with its message, as run() raising.
      const strings = await postScore(host.url, { input_data: [['a', 'b', 'c', 'd']] });
      assert.equal(strings.status, 500);
      assert.match(strings.text, /^ValueError: /);
    });
  }
}

test('without a PATH, --mlflow-model serves the MLflow folder inside AZUREML_MODEL_DIR (the registered version)', {
  skip,
}, async (t) => {
  const dir = await tempDir(t);
  const versionDir = join(dir, 'models', 'diabetes', '3');
  const expected = await saveSklearnModel(join(versionDir, 'model'), { serialization: 'pickle' });
  const host = listening(
    await startHost(t, ['--mlflow-model'], { env: { AZUREML_MODEL_DIR: versionDir }, hide: ['mlflow'] }),
  );
  assertClose(await scoreJson(host.url, { input_data: { columns: COLUMNS, data: ROWS } }), expected);
});

async function failedStart(t: TestContext, args: string[], hide = ['mlflow']): Promise<Exited> {
  const r = await startHost(t, args, { hide });
  if ('url' in r) assert.fail(`host.py should not have started:\n${r.output()}`);
  return r;
}

test('a flavor other than sklearn without mlflow fails like init(): exit 3 and a line naming the flavor and pip install mlflow', async (t) => {
  const dir = await tempDir(t);
  const model = join(dir, 'model');
  await mkdir(model);
  await writeFile(
    join(model, 'MLmodel'),
    'artifact_path: model\nflavors:\n  keras:\n    keras_version: 2.15.0\n    save_format: tf\n  python_function:\n    loader_module: mlflow.keras\n    data: data\nmlflow_version: 2.9.2\n',
  );
  const r = await failedStart(t, ['--mlflow-model', model]);
  assert.equal(r.code, 3, r.output);
  const reason = findFailureReason(r.output);
  assert.ok(reason, r.output);
  assert.match(reason, /^init\(\) failed: cannot serve the MLflow model: /);
  assert.match(reason, /flavor\(s\) keras, python_function/);
  assert.match(reason, /pip install mlflow/);
});

test('an unreadable model file and a folder without MLmodel fail like init() too', async (t) => {
  const dir = await tempDir(t);
  const model = join(dir, 'model');
  await mkdir(model);
  await writeFile(
    join(model, 'MLmodel'),
    'flavors:\n  sklearn:\n    pickled_model: model.pkl\n    serialization_format: pickle\n',
  );
  await writeFile(join(model, 'model.pkl'), 'not a pickle');
  const corrupt = await failedStart(t, ['--mlflow-model', model]);
  assert.equal(corrupt.code, 3, corrupt.output);
  assert.match(corrupt.output, /Traceback/);
  assert.match(
    findFailureReason(corrupt.output) ?? '',
    /^init\(\) failed: loading the MLflow model .*model raised UnpicklingError/,
  );

  const empty = join(dir, 'empty');
  await mkdir(empty);
  const none = await failedStart(t, ['--mlflow-model', empty]);
  assert.equal(none.code, 3, none.output);
  assert.match(findFailureReason(none.output) ?? '', /no MLmodel file in .*empty or its subfolders/);
});

test('examples/mlflow-sklearn: the no-code az ml sample layout answers its sample request with the expected predictions', {
  skip,
}, async (t) => {
  const example = join(examples, 'mlflow-sklearn');
  const deployment = parse(await readFile(join(example, 'sklearn-deployment.yml'), 'utf8')) as Record<
    string,
    unknown
  >;
  assert.equal((deployment['model'] as { type: string }).type, 'mlflow_model');
  assert.equal(deployment['code_configuration'], undefined, 'a no-code deployment');
  assert.equal(deployment['environment'], undefined);
  const modelPath = (deployment['model'] as { path: string }).path;

  // Registered as the local registry lays it out: <version>/<folder name>.
  const dir = await tempDir(t);
  const versionDir = join(dir, 'models', 'mir-sample-sklearn-ncd-model', '1');
  await mkdir(versionDir, { recursive: true });
  await cp(join(example, modelPath), join(versionDir, 'model'), { recursive: true });
  const host = listening(
    await startHost(t, ['--mlflow-model'], {
      env: { AZUREML_MODEL_DIR: versionDir, MLFLOW_MODEL_FOLDER: 'model' },
      hide: ['mlflow'],
    }),
  );
  const sample = await readFile(join(example, 'sample-request.json'), 'utf8');
  const expected = JSON.parse(await readFile(join(example, 'expected-predictions.json'), 'utf8')) as number[];
  assertClose(await scoreJson(host.url, sample), expected);
});
