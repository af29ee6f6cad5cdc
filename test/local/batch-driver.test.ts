// batch_driver.py, the batch deployment contract run locally, with stdlib-only scoring scripts: init() once per
// worker, run() with lists of mini_batch_size paths, what append_row writes, summary_only,
// AZUREML_BI_OUTPUT_PATH, retries, the per-mini-batch timeout, error_threshold (-1 ignores), the result events.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import { systemClock } from '../../src/clock.ts';
import { type DriverEvent, runDriver } from '../../src/targets/local/batch-driver.ts';
import { choosePython } from '../../src/targets/local/find-host.ts';
import { tempDir } from '../support/tmp.ts';

const python = choosePython(undefined);

const SCRIPT = `
import json, os, sys
calls = []

def init():
    # One marker per worker: init() runs once in each.
    open(os.path.join(os.environ["MARKERS"], "init-%d" % os.getpid()), "w").close()

def run(mini_batch):
    out = []
    for path in mini_batch:
        name = os.path.basename(path)
        text = open(path).read().strip()
        if text == "boom":
            raise ValueError("cannot score " + name)
        if text == "flaky":
            flag = os.path.join(os.environ["MARKERS"], "flaky-" + name)
            if not os.path.exists(flag):
                open(flag, "w").close()
                raise RuntimeError("first attempt fails")
        if text == "slow":
            import time
            time.sleep(5)
        if text.startswith("nap"):
            import time
            time.sleep(0.3)
        if text == "summary":
            open(os.path.join(os.environ["AZUREML_BI_OUTPUT_PATH"], name + ".out"), "w").write("own output")
        out.append("%s,%d" % (name, len(mini_batch)))
        out.append(("tuple", name))
    return out
`;

async function setUp(t: TestContext, files: Record<string, string>) {
  const dir = await tempDir(t);
  const code = path.join(dir, 'code');
  const input = path.join(dir, 'input');
  const markers = path.join(dir, 'markers');
  for (const d of [code, input, markers]) await mkdir(d, { recursive: true });
  await writeFile(path.join(code, 'score.py'), SCRIPT);
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(input, name), text);
  const run = async (...args: string[]) => {
    const output = path.join(dir, 'out');
    const events: DriverEvent[] = [];
    const exit = await runDriver(
      {
        python,
        args: ['--entry', 'score.py', '--input', input, '--output-dir', output, ...args],
        cwd: code,
        environmentVariables: { MARKERS: markers },
        runtimeVariables: { AZUREML_BI_OUTPUT_PATH: output },
        logFile: path.join(dir, 'job.log'),
        deadline: Date.now() + 60_000,
        onEvent: (e) => events.push(e),
      },
      { clock: systemClock, env: process.env },
    );
    const end = exit.events.find((e) => e.event === 'end')!;
    const predictions = path.join(output, 'predictions.csv');
    const lines = existsSync(predictions)
      ? (await readFile(predictions, 'utf8')).trim().split('\n')
      : undefined;
    const inits = (await readdir(markers)).filter((n) => n.startsWith('init-')).length;
    return { exit, end, events, lines, output, inits };
  };
  return { run, markers };
}

test('run() gets mini_batch_size paths; every returned item is one line of predictions.csv', async (t) => {
  const { run } = await setUp(t, { 'a.csv': '1', 'b.csv': '2', 'c.csv': '3' });
  const r = await run('--mini-batch-size', '2');
  assert.equal(r.exit.code, 0);
  assert.equal(r.end['state'], 'Completed');
  assert.deepEqual(r.lines, [
    'a.csv,2',
    "('tuple', 'a.csv')",
    'b.csv,2',
    "('tuple', 'b.csv')",
    'c.csv,1',
    "('tuple', 'c.csv')",
  ]);
  assert.equal(r.inits, 1, 'init() once');
  assert.deepEqual(
    r.events.filter((e) => e.event === 'start').map((e) => [e['files'], e['miniBatches']]),
    [[3, 2]],
  );
});

test('summary_only writes no predictions file; the script writes its own outputs into AZUREML_BI_OUTPUT_PATH', async (t) => {
  const { run } = await setUp(t, { 'a.csv': 'summary' });
  const r = await run('--summary-only');
  assert.equal(r.end['state'], 'Completed');
  assert.equal(r.lines, undefined);
  assert.equal(await readFile(path.join(r.output, 'a.csv.out'), 'utf8'), 'own output');
});

test('a failed attempt is retried up to max_retries; -1 ignores failed files; a threshold of 0 fails the job naming them', async (t) => {
  const flaky = await setUp(t, { 'a.csv': 'flaky', 'b.csv': '1' });
  const retried = await flaky.run('--mini-batch-size', '1', '--max-retries', '1', '--error-threshold', '0');
  assert.equal(retried.end['state'], 'Completed', 'the second attempt succeeded');
  assert.ok(retried.lines?.includes('a.csv,1'));

  const boom = await setUp(t, { 'a.csv': '1', 'b.csv': 'boom', 'c.csv': '2' });
  const ignored = await boom.run('--mini-batch-size', '1', '--max-retries', '2');
  assert.equal(ignored.end['state'], 'Completed', 'error_threshold -1 (the default) ignores failed files');
  assert.equal(ignored.end['failedFiles'], 1);
  const failure = (ignored.end['failures'] as { files: string[]; attempts: number; traceback: string }[])[0]!;
  assert.deepEqual(failure.files, ['b.csv']);
  assert.equal(failure.attempts, 3, 'one try and two retries');
  assert.match(failure.traceback, /score\.py", line \d+, in run[\s\S]*ValueError: cannot score b\.csv/);

  const strict = await boom.run('--mini-batch-size', '2', '--max-retries', '0', '--error-threshold', '0');
  assert.equal(strict.exit.code, 1);
  assert.equal(strict.end['state'], 'Failed');
  assert.match(
    String(strict.end['error']),
    /the mini-batch of a\.csv, b\.csv failed after 1 attempt\(s\): ValueError: cannot score b\.csv/,
  );
});

test('a run() that outlives retry_settings.timeout is a failed attempt', async (t) => {
  const { run } = await setUp(t, { 'a.csv': 'slow' });
  const r = await run('--timeout', '0.5', '--max-retries', '0', '--error-threshold', '0');
  assert.equal(r.end['state'], 'Failed');
  assert.match(String(r.end['error']), /took longer than retry_settings\.timeout/);
});

test('max_concurrency_per_instance workers each call init() once and score every file', async (t) => {
  const files = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`f${i}.csv`, `nap ${i}`]));
  const { run } = await setUp(t, files);
  const r = await run('--mini-batch-size', '1', '--workers', '2');
  assert.equal(r.end['state'], 'Completed');
  assert.equal(r.inits, 2);
  assert.deepEqual(
    r.lines?.filter((l) => !l.startsWith('(')).sort(),
    Object.keys(files).map((f) => `${f},1`),
  );
});

test('--check imports the script and calls init(); an init() that raises is a failed check with its traceback', async (t) => {
  const { run: _run } = await setUp(t, {});
  const dir = await tempDir(t);
  await writeFile(
    path.join(dir, 'bad.py'),
    'def init():\n    raise KeyError("AZUREML_MODEL_DIR")\n\ndef run(b):\n    return b\n',
  );
  const exit = await runDriver(
    {
      python,
      args: ['--entry', 'bad.py', '--check'],
      cwd: dir,
      environmentVariables: {},
      runtimeVariables: {},
      logFile: path.join(dir, 'check.log'),
      deadline: Date.now() + 30_000,
    },
    { clock: systemClock, env: process.env },
  );
  const check = exit.events.find((e) => e.event === 'check')!;
  assert.equal(check['ok'], false);
  assert.match(String(check['error']), /init\(\) failed: KeyError: 'AZUREML_MODEL_DIR'/);
  assert.match(await readFile(path.join(dir, 'check.log'), 'utf8'), /Traceback/);
});
