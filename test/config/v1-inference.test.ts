import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { ConfigNote } from '../../src/config/spec.ts';
import { DEFAULT_CPU_IMAGE, DEFAULT_GPU_IMAGE } from '../../src/config/v1-environment.ts';
import { loadV1InferenceConfig } from '../../src/config/v1-inference.ts';
import { configErrorOf, FIXTURES, SCORE_PY, tempTree } from './helpers.ts';

const V1 = path.join(FIXTURES, 'v1');

test('2019 flat keys (MachineLearningNotebooks azureml-cli) become an inline environment with the conda file', () => {
  const notes: ConfigNote[] = [];
  const dir = path.join(V1, 'notebooks-cli');
  const config = loadV1InferenceConfig(path.join(dir, 'inferenceconfig.json'), notes);
  assert.deepEqual(config, {
    code: { code: { kind: 'path', path: dir }, scoringScript: 'score.py' },
    environment: {
      kind: 'inline',
      image: DEFAULT_CPU_IMAGE,
      condaFile: {
        path: path.join(dir, '.azureml/conda_dependencies.yml'),
        content: {
          name: 'project_environment',
          dependencies: ['python=3.6.2', { pip: ['azureml-defaults', 'scikit-learn'] }],
          channels: ['conda-forge'],
        },
      },
    },
    environmentVariables: {},
  });
  assert.ok(notes.every((n) => n.level === 'info'));
  assert.ok(
    notes.some((n) =>
      /resolved against the config file's folder \(v1 used the current directory\)/.test(n.message),
    ),
  );
});

test('the environment generation (azureml-examples deploy-local) keeps image, inline conda and variables', () => {
  const notes: ConfigNote[] = [];
  const dir = path.join(V1, 'deploy-local');
  const config = loadV1InferenceConfig(path.join(dir, 'inferenceconfig.json'), notes);
  assert.deepEqual(config, {
    code: { code: { kind: 'path', path: path.join(dir, 'source_dir') }, scoringScript: 'score.py' },
    environment: {
      kind: 'inline',
      image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04',
      condaFile: {
        content: {
          channels: [],
          dependencies: ['python=3.6.2', { pip: ['azureml-defaults', 'nltk', 'numpy', 'onnxruntime'] }],
          name: 'project_environment',
        },
      },
    },
    environmentVariables: { EXAMPLE_ENV_VAR: 'EXAMPLE_VALUE' },
  });
  assert.ok(notes.some((n) => n.field === 'environment.name' && /registered anonymously/.test(n.message)));
});

test('an environment passed on the command line: the file has only entryScript and sourceDirectory', () => {
  const dir = path.join(V1, 'cli-reference');
  assert.deepEqual(loadV1InferenceConfig(path.join(dir, 'inferenceconfig-env-arg.json')), {
    code: { code: { kind: 'path', path: dir }, scoringScript: 'score.py' },
    environmentVariables: {},
  });
});

test('MLOpsPython YAML: environment as a string is a registered environment; the legacy keys beside it are ignored with a warning', () => {
  const notes: ConfigNote[] = [];
  const file = path.join(V1, 'mlopspython/inference_config.yml');
  const config = loadV1InferenceConfig(file, notes);
  assert.deepEqual(config.environment, { kind: 'latest', name: 'diabetes_regression' });
  const warning = notes.find((n) => n.level === 'warning');
  assert.deepEqual(warning, {
    level: 'warning',
    message:
      'environment: names a registered environment, so runtime, condaFile are ignored (v1 rejects them next to environment)',
    file,
    line: 10,
    field: 'environment',
  });
});

async function inferenceFile(
  t: Parameters<typeof tempTree>[0],
  json: object | string,
  files: Record<string, string> = {},
) {
  const text = typeof json === 'string' ? json : JSON.stringify(json, null, 2);
  const dir = await tempTree(t, { 'inferenceconfig.json': text, 'score.py': SCORE_PY, ...files });
  return path.join(dir, 'inferenceconfig.json');
}

test('an embedded environment excludes the legacy keys (the SDK raises on both)', async (t) => {
  const file = await inferenceFile(t, {
    entryScript: 'score.py',
    environment: { name: 'e', docker: { baseImage: 'x' } },
    runtime: 'python',
  });
  assert.equal(
    configErrorOf(() => loadV1InferenceConfig(file)).message,
    `${file}:9: runtime: cannot be combined with environment (v1 allows only entryScript, sourceDirectory and description next to it)`,
  );
});

test('an environment with only name/version is a reference; AzureML- names are curated', async (t) => {
  const versioned = await inferenceFile(t, {
    entryScript: 'score.py',
    environment: { name: 'my-env', version: '3' },
  });
  assert.deepEqual(loadV1InferenceConfig(versioned).environment, {
    kind: 'version',
    name: 'my-env',
    version: '3',
  });
  const latest = await inferenceFile(t, { entryScript: 'score.py', environment: { name: 'my-env' } });
  assert.deepEqual(loadV1InferenceConfig(latest).environment, { kind: 'latest', name: 'my-env' });
  const curated = await inferenceFile(t, {
    entryScript: 'score.py',
    environment: { name: 'AzureML-Minimal', version: '1' },
  });
  assert.deepEqual(loadV1InferenceConfig(curated).environment, {
    kind: 'curated',
    id: 'azureml:AzureML-Minimal:1',
  });
});

test('entryScript: required, a .py file, found relative to sourceDirectory', async (t) => {
  const missing = await inferenceFile(t, { sourceDirectory: '.' });
  assert.equal(
    configErrorOf(() => loadV1InferenceConfig(missing)).message,
    `${missing}:1: entryScript: is required`,
  );
  const notPy = await inferenceFile(t, { entryScript: 'score.sh' }, { 'score.sh': '' });
  assert.equal(
    configErrorOf(() => loadV1InferenceConfig(notPy)).message,
    `${notPy}:2: entryScript: must be a Python file (.py)`,
  );
  const notFound = await inferenceFile(
    t,
    { entryScript: 'app/score.py', sourceDirectory: 'src' },
    { 'src/x.py': '' },
  );
  const dir = path.dirname(notFound);
  assert.equal(
    configErrorOf(() => loadV1InferenceConfig(notFound)).message,
    `${notFound}:2: entryScript: file not found: ${path.join(dir, 'src/app/score.py')} (v1 paths are resolved against the config file's folder)`,
  );
  const nested = await inferenceFile(
    t,
    { entryScript: 'app/score.py', sourceDirectory: 'src' },
    { 'src/app/score.py': '' },
  );
  assert.deepEqual(loadV1InferenceConfig(nested).code, {
    code: { kind: 'path', path: path.join(path.dirname(nested), 'src') },
    scoringScript: 'app/score.py',
  });
  const noFolder = await inferenceFile(t, { entryScript: 'score.py', sourceDirectory: './gone' });
  assert.equal(
    configErrorOf(() => loadV1InferenceConfig(noFolder)).message,
    `${noFolder}:3: sourceDirectory: folder not found: ${path.join(path.dirname(noFolder), 'gone')} (v1 paths are resolved against the config file's folder)`,
  );
});

test('legacy GPU keys pick the GPU image; an unsupported cudaVersion is refused', async (t) => {
  const gpu = await inferenceFile(
    t,
    'entryScript: score.py\nruntime: python\nenableGpu: True\ncudaVersion: 10.0\n',
  );
  const notes: ConfigNote[] = [];
  assert.deepEqual(loadV1InferenceConfig(gpu, notes).environment, {
    kind: 'inline',
    image: DEFAULT_GPU_IMAGE,
  });
  assert.ok(notes.some((n) => /choose a GPU instance type/.test(n.message)));
  const badCuda = await inferenceFile(t, 'entryScript: score.py\nruntime: python\ncudaVersion: 8.0\n');
  assert.equal(
    configErrorOf(() => loadV1InferenceConfig(badCuda)).message,
    `${badCuda}:3: cudaVersion: must be one of 9.0, 9.1, 10.0 (got '8.0')`,
  );
  const spark = await inferenceFile(t, 'entryScript: score.py\nruntime: spark-py\n');
  assert.equal(
    configErrorOf(() => loadV1InferenceConfig(spark)).message,
    `${spark}:2: runtime: spark-py is not supported by online deployments`,
  );
});

test('Dockerfile-based images cannot be translated without a build context: a clear error', async (t) => {
  const steps = await inferenceFile(t, {
    entryScript: 'score.py',
    runtime: 'python',
    extraDockerfileSteps: 'steps.txt',
  });
  assert.match(
    configErrorOf(() => loadV1InferenceConfig(steps)).message,
    /:4: extraDockerfileSteps: extra Dockerfile steps are not supported/,
  );
  const inline = await inferenceFile(t, {
    entryScript: 'score.py',
    environment: { name: 'e', docker: { baseDockerfile: 'FROM ubuntu\n' } },
  });
  assert.match(
    configErrorOf(() => loadV1InferenceConfig(inline)).message,
    /:6: environment\.docker\.baseDockerfile: an inline Dockerfile is not supported/,
  );
});

test("the docs' spelling extraDockerFileSteps was ignored by v1 and is ignored here, with a warning", async (t) => {
  const file = await inferenceFile(t, {
    entryScript: 'score.py',
    extraDockerFileSteps: 'steps.txt',
    bogus: 1,
  });
  const notes: ConfigNote[] = [];
  loadV1InferenceConfig(file, notes);
  const warnings = notes.filter((n) => n.level === 'warning');
  assert.deepEqual(
    warnings.map((n) => [n.line, n.field]),
    [
      [3, 'extraDockerFileSteps'],
      [4, 'bogus'],
    ],
  );
  assert.equal(warnings[1]?.message, 'bogus: unknown key, ignored (v1 ignored it too)');
});

test('registry credentials are not carried over and never appear in a note', async (t) => {
  const file = await inferenceFile(t, {
    entryScript: 'score.py',
    environment: {
      name: 'e',
      docker: {
        baseImage: 'private.example/img:1',
        baseImageRegistry: { address: 'private.example', username: 'u', password: 'hunter2-secret' },
      },
      python: { userManagedDependencies: true },
    },
  });
  const notes: ConfigNote[] = [];
  const config = loadV1InferenceConfig(file, notes);
  assert.deepEqual(config.environment, { kind: 'inline', image: 'private.example/img:1' });
  assert.ok(notes.some((n) => n.field === 'environment.docker.baseImageRegistry' && n.level === 'warning'));
  assert.ok(!JSON.stringify(notes).includes('hunter2-secret'));
});

test('conda dependencies without an inference server are flagged', async (t) => {
  const file = await inferenceFile(
    t,
    { entryScript: 'score.py', runtime: 'python', condaFile: 'env.yml' },
    { 'env.yml': 'dependencies:\n  - python=3.10\n  - pip:\n    - numpy\n' },
  );
  const notes: ConfigNote[] = [];
  loadV1InferenceConfig(file, notes);
  assert.ok(
    notes.some((n) => n.level === 'warning' && n.field === 'condaFile' && /azureml-defaults/.test(n.message)),
  );
});
