// The one error path: parse inputs, validate, run, set outputs, write the summary, and turn any error into a
// message, an annotation and an exit code (2: bad usage/config, nothing done; 1: the action failed).

import path from 'node:path';
import { ConfigError, errorMessage, isInputError } from '../../errors.ts';
import type { ActionIO } from '../../io/action-io.ts';
import { SecretSet } from '../../io/redact.ts';
import { Report } from '../../report/report.ts';
import { renderSummary } from '../../report/summary.ts';
import type { ActionDefinition, ActionDeps } from './action-definition.ts';
import { type InputDefs, type OutputDefs, type OutputValue, parseInputs } from './define-inputs.ts';

export interface ActionResult {
  exitCode: 0 | 1 | 2;
  outputs: Record<string, string>;
  report: Report;
}

export async function runAction<D extends InputDefs, O extends OutputDefs>(
  def: ActionDefinition<D, O>,
  io: ActionIO,
  deps: ActionDeps,
  phase: 'main' | 'post' = 'main',
): Promise<ActionResult> {
  const report = new Report(() => deps.clock.now());
  const outputs: Record<string, string> = {};
  let exitCode: 0 | 1 | 2 = 0;
  let writeSummary = true;
  let parsed: Record<string, unknown> | undefined;
  // Every secret the run learns is masked by the runner and also kept for redacting what is published.
  const secrets = new SecretSet();
  const realIo = io;
  io = {
    ...realIo,
    setSecret: (v: string) => {
      secrets.add(v);
      realIo.setSecret(v);
    },
    redact: (text: string) => realIo.redact(secrets.redact(text)),
  };
  try {
    const inputs = parseInputs(
      def.inputs,
      (name) => io.getInput(name),
      (v) => io.setSecret(v),
    );
    parsed = inputs;
    if ('summary' in inputs && inputs['summary'] === false) writeSummary = false;
    def.validate?.(inputs, deps);
    const run = phase === 'post' ? def.post : def.run;
    if (!run) return { exitCode, outputs, report };
    await run.call(def, inputs, {
      io,
      report,
      deps,
      setOutput(name, value) {
        if (!(name in def.outputs))
          throw new Error(`internal: output '${name}' is not declared by ${def.name}`);
        if (value === undefined) return;
        outputs[name] = formatOutput(value);
      },
    });
  } catch (err) {
    exitCode = isInputError(err) ? 2 : 1;
    let text = errorMessage(err);
    // Files inside the workspace are named relative to it: shorter, and what GitHub needs for annotations.
    const file = err instanceof ConfigError ? relativeToWorkspace(err.file, deps.cwd) : undefined;
    if (err instanceof ConfigError && file !== err.file) text = text.split(err.file).join(file!);
    const message = `${def.name} failed: ${text}`;
    if (err instanceof ConfigError) {
      io.error(message, {
        file: file!,
        ...(err.line ? { line: err.line } : {}),
        ...(err.column ? { column: err.column } : {}),
        title: `${def.name}: invalid config`,
      });
    }
    if (!(err instanceof Error)) io.debug(`non-Error thrown: ${errorMessage(err)}`);
    else if (!isInputError(err) && err.stack) io.debug(err.stack);
    io.fail(message, exitCode);
  }
  for (const [name, value] of Object.entries(outputs)) io.setOutput(name, value);
  // Publishing (PR comment, Deployment, artifacts) after bad input would only repeat the error. It runs before
  // the job summary, so the summary's "Full log" can link the uploaded artifact.
  if (phase === 'main' && parsed && exitCode !== 2 && 'pr-comment' in parsed) {
    await publish(def.name, parsed, outputs, report, secrets, io, deps, exitCode);
  }
  if (writeSummary && report.sections.length > 0) {
    try {
      await io.writeSummary(renderSummary(report));
    } catch (err) {
      io.warn(`could not write the job summary: ${errorMessage(err)}`);
    }
  }
  return { exitCode, outputs, report };
}

async function publish(
  action: string,
  inputs: Record<string, unknown>,
  outputs: Record<string, string>,
  report: Report,
  secrets: SecretSet,
  io: ActionIO,
  deps: ActionDeps,
  exitCode: number,
): Promise<void> {
  try {
    const { publishReport } = await import('../../report/publish.ts');
    const files = [outputs['logs-file'], outputs['transcript-file']].filter((f): f is string => Boolean(f));
    // smoke-test-service and delete-service name the endpoint in their inputs, deploy-model in its outputs.
    const named =
      typeof inputs['endpoint-name'] === 'string' ? inputs['endpoint-name'].toLowerCase() : undefined;
    const endpointName = outputs['endpoint-name'] ?? (named?.includes('{') ? undefined : named);
    await publishReport(report, {
      action: action as Parameters<typeof publishReport>[1]['action'],
      ...(endpointName ? { endpointName } : {}),
      ...(outputs['scoring-uri'] ? { scoringUri: outputs['scoring-uri'] } : {}),
      state: exitCode === 0 ? 'success' : 'failure',
      options: {
        prComment: (inputs['pr-comment'] as 'auto' | 'true' | 'false' | undefined) ?? 'auto',
        ...(inputs['github-deployment'] ? { githubDeployment: inputs['github-deployment'] as string } : {}),
        uploadArtifacts: uploadMode(inputs['upload-artifacts']),
        ...(inputs['github-token'] ? { token: inputs['github-token'] as string } : {}),
      },
      files,
      secrets,
      log: io,
      env: deps.env,
    });
  } catch (err) {
    io.warn(`publishing the report failed: ${errorMessage(err)}`);
  }
}

function uploadMode(value: unknown): 'on-failure' | 'always' | 'never' {
  if (value === 'true' || value === 'always') return 'always';
  if (value === 'false' || value === 'never') return 'never';
  return 'on-failure';
}

export function relativeToWorkspace(file: string, cwd: string): string {
  if (!path.isAbsolute(file)) return file;
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

export function formatOutput(value: OutputValue): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
