// The batch step of smoke-test-service and the pipeline: a scoring job on a batch endpoint instead of scoring
// requests. prepareBatchJob reads and checks the inputs (no side effect); runBatchJob has the target run the job
// (input uploaded when local, outputs downloaded), checks the output against expect-output-file (row order
// ignored) and expect-rows, and writes the section and the outputs (job-name, job-state, batch-output). A job
// that did not complete puts its error and log tail in the summary.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ActionFailure, UsageError } from '../../errors.ts';
import { addFacts, fact } from '../../report/report.ts';
import { type BatchJobResult, BatchJobTimeout, type Target, type TargetDeps } from '../../targets/target.ts';
import type { smokeOutputs } from '../smoke-test-service/inputs.ts';
import type { ActionContext } from './action-definition.ts';

export interface BatchStepInputs {
  'batch-input': string | undefined;
  'expect-output-file': string | undefined;
  'expect-rows': number | undefined;
  'timeout-minutes': number;
  'fail-on-error': boolean;
  'follow-symlinks'?: boolean;
  'local-dir': string;
}

export interface PreparedBatchJob {
  /** Absolute local path, or the URI as given. */
  input: string;
  expected?: { file: string; rows: string[] };
  expectRows?: number;
  timeoutMinutes: number;
  failOnError: boolean;
  followSymlinks: boolean;
  outputRoot: string;
}

/** Checks the batch inputs and reads the expected file; no side effect. */
export async function prepareBatchJob(inputs: BatchStepInputs, cwd: string): Promise<PreparedBatchJob> {
  const given = inputs['batch-input'];
  if (!given) throw new UsageError('is required for a batch job', 'batch-input');
  const remote = /^(azureml|https?):\/\//i.test(given);
  const input = remote ? given : path.resolve(cwd, given);
  let expected: PreparedBatchJob['expected'];
  const expectFile = inputs['expect-output-file'];
  if (expectFile) {
    const file = path.resolve(cwd, expectFile);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read ${expectFile}: ${(error as Error).message}`, 'expect-output-file');
    }
    expected = { file, rows: rowsOf(text) };
  }
  return {
    input,
    ...(expected ? { expected } : {}),
    ...(inputs['expect-rows'] !== undefined ? { expectRows: inputs['expect-rows'] } : {}),
    timeoutMinutes: inputs['timeout-minutes'],
    failOnError: inputs['fail-on-error'],
    followSymlinks: inputs['follow-symlinks'] ?? false,
    outputRoot: path.resolve(cwd, inputs['local-dir'], 'batch-outputs'),
  };
}

/** The lines of an output file: trailing spaces and empty lines do not count. */
function rowsOf(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l !== '');
}

export interface BatchStepResult {
  job: BatchJobResult;
  passed: boolean;
  problems: string[];
}

export async function runBatchJob(
  prepared: PreparedBatchJob,
  target: Target,
  where: { endpointName: string; deploymentName?: string | undefined },
  deps: TargetDeps,
  ctx: Pick<ActionContext<typeof smokeOutputs>, 'report' | 'setOutput'>,
): Promise<BatchStepResult> {
  const { io } = deps;
  const { report } = ctx;
  const section = report.section('smoke-test-service', `Batch job on ${where.endpointName}`);
  addFacts(section, fact('Target', target.label), fact('Endpoint', where.endpointName));
  let job: BatchJobResult;
  try {
    job = await target.runBatchJob(
      {
        endpointName: where.endpointName,
        ...(where.deploymentName ? { deploymentName: where.deploymentName } : {}),
        input: prepared.input,
        outputRoot: prepared.outputRoot,
        timeoutMinutes: prepared.timeoutMinutes,
        followSymlinks: prepared.followSymlinks,
      },
      (line) => {
        io.info(line);
        report.event(section, line);
      },
    );
  } catch (error) {
    if (error instanceof BatchJobTimeout) {
      ctx.setOutput('job-name', error.jobName);
      ctx.setOutput('job-state', error.lastState);
      ctx.setOutput('passed', false);
    }
    report.fail(section, io.redact(error instanceof Error ? error.message : String(error)));
    throw error;
  } finally {
    section.notes.push(...target.notes());
  }
  ctx.setOutput('job-name', job.jobName);
  ctx.setOutput('job-state', job.state);
  ctx.setOutput('batch-output', job.outputDir);
  addFacts(
    section,
    fact('Job', job.jobName, { code: true, ...(job.link ? { href: job.link } : {}) }),
    fact('State', job.state),
    ...job.facts.map((f) => fact(f.label, f.value)),
    fact(
      'Outputs',
      job.files.length ? `${job.outputDir} (${job.files.join(', ')})` : `${job.outputDir} (empty)`,
      {
        code: true,
      },
    ),
  );

  const problems: string[] = [];
  if (job.state !== 'Completed') {
    problems.push(`batch job ${job.jobName} ${job.state}: ${job.error ?? 'no details'}`);
  } else {
    problems.push(...(await checkOutput(job, prepared)));
  }
  const passed = problems.length === 0;
  ctx.setOutput('passed', passed);
  ctx.setOutput('failures', problems.length);
  if (passed) {
    io.info(`batch job ${job.jobName} Completed; outputs in ${job.outputDir}`);
    report.finish(section, 'succeeded');
  } else {
    const message = io.redact(problems.join('\n'));
    const tail = job.logTail ? io.redact(job.logTail) : undefined;
    report.fail(section, message, tail, job.logFile);
    io.error(
      `${message}${tail ? `\n--- log tail${job.logFile ? ` (${job.logFile})` : ''} ---\n${tail}` : ''}`,
    );
    if (prepared.failOnError) throw new ActionFailure(message.split('\n')[0] ?? message);
  }
  return { job, passed, problems };
}

/** expect-output-file (same rows, any order) and expect-rows, against the job's output file. */
async function checkOutput(job: BatchJobResult, prepared: PreparedBatchJob): Promise<string[]> {
  if (!prepared.expected && prepared.expectRows === undefined) return [];
  const name =
    (prepared.expected &&
      job.files.find((f) => path.basename(f) === path.basename(prepared.expected!.file))) ??
    job.outputFile ??
    (job.files.length === 1 ? job.files[0] : undefined);
  if (!name) {
    return [
      `the job wrote no output file to compare (${job.files.length ? `it wrote ${job.files.join(', ')}` : 'its output folder is empty'})`,
    ];
  }
  const rows = rowsOf(await readFile(path.join(job.outputDir, name), 'utf8'));
  const problems: string[] = [];
  if (prepared.expectRows !== undefined && rows.length !== prepared.expectRows) {
    problems.push(`${name} has ${rows.length} row(s), expected ${prepared.expectRows}`);
  }
  if (prepared.expected) {
    const { missing, unexpected } = compareRows(prepared.expected.rows, rows);
    if (missing.length || unexpected.length) {
      const show = (list: string[]) =>
        list
          .slice(0, 5)
          .map((r) => `  ${r}`)
          .join('\n') + (list.length > 5 ? `\n  … ${list.length - 5} more` : '');
      problems.push(
        `${name} differs from ${path.basename(prepared.expected.file)} (row order ignored):` +
          (missing.length ? `\n${missing.length} expected row(s) missing:\n${show(missing)}` : '') +
          (unexpected.length ? `\n${unexpected.length} unexpected row(s):\n${show(unexpected)}` : ''),
      );
    }
  }
  return problems;
}

/** Rows as multisets: which expected rows the actual output lacks, and which it has in excess. */
export function compareRows(
  expected: string[],
  actual: string[],
): { missing: string[]; unexpected: string[] } {
  const counts = new Map<string, number>();
  for (const row of actual) counts.set(row, (counts.get(row) ?? 0) + 1);
  const missing: string[] = [];
  for (const row of expected) {
    const n = counts.get(row) ?? 0;
    if (n > 0) counts.set(row, n - 1);
    else missing.push(row);
  }
  const unexpected = [...counts.entries()].flatMap(([row, n]) => Array<string>(n).fill(row));
  return { missing, unexpected };
}
