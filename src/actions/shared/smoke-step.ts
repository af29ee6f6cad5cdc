// The smoke step of smoke-test-service and the pipeline: request files, expectations and schema read from
// the inputs (prepareSmoke: no side effect), the service found (a scoring-uri input, or the endpoint looked
// up on the target), the requests sent, and the report section, transcript and outputs written.

import path from 'node:path';
import { UsageError } from '../../errors.ts';
import { writePrivateFile } from '../../io/private-file.ts';
import { userSecretHeaderNames } from '../../io/redact.ts';
import { loadExpectJson, parseExpectStatus } from '../../probe/assertions.ts';
import { parseExpectations } from '../../probe/expectations.ts';
import { loadRequests } from '../../probe/requests.ts';
import { loadResponseSchema } from '../../probe/schema.ts';
import { runSmokeTest, type SmokeTestOptions, type SmokeTestResult } from '../../probe/smoke-test.ts';
import { assertionsTable } from '../../report/assertions.ts';
import { addFacts, fact, type Report } from '../../report/report.ts';
import type { ScoringService, Target, TargetDeps } from '../../targets/target.ts';
import type { smokeInputs, smokeOutputs } from '../smoke-test-service/inputs.ts';
import type { ActionContext } from './action-definition.ts';
import type { ParsedInputs } from './define-inputs.ts';
import { writeSmokeOutputs } from './outputs.ts';

export type SmokeInputs = ParsedInputs<typeof smokeInputs>;

export interface PreparedSmoke {
  options: Omit<SmokeTestOptions, 'scoringUri' | 'headers'>;
  inputs: SmokeInputs;
}

export function parseExpectationsNamed(text: string) {
  try {
    return parseExpectations(text);
  } catch (err) {
    throw new UsageError((err as Error).message, 'expect');
  }
}

export function parseExpectStatusNamed(text: string) {
  try {
    return parseExpectStatus(text);
  } catch (err) {
    throw new UsageError((err as Error).message, 'expect-status');
  }
}

/** Reads request files, expectations and schema; no side effect. */
export async function prepareSmoke(inputs: SmokeInputs, cwd: string): Promise<PreparedSmoke> {
  const expectations = inputs.expect ? parseExpectationsNamed(inputs.expect) : [];
  const requests = await loadRequests({
    ...(inputs['request-file'] ? { requestFile: inputs['request-file'] } : {}),
    ...(inputs['request-body'] ? { requestBody: inputs['request-body'] } : {}),
    ...(inputs.headers ? { headers: inputs.headers } : {}),
    baseDir: cwd,
  });
  const expectJson = inputs['expect-json'] ? await loadExpectJson(inputs['expect-json'], cwd) : undefined;
  const schema = inputs['expect-schema'] ? await loadResponseSchema(inputs['expect-schema'], cwd) : undefined;
  return {
    inputs,
    options: {
      requests,
      expectStatus: parseExpectStatusNamed(inputs['expect-status']),
      ...(inputs['expect-json'] ? { expectJson, hasExpectJson: true } : {}),
      expectations,
      ...(schema ? { schema } : {}),
      requestsPerFile: inputs.requests,
      concurrency: inputs.concurrency,
      warmup: inputs.warmup,
      ...(inputs['max-latency-ms'] !== undefined ? { maxLatencyMs: inputs['max-latency-ms'] } : {}),
      readyTimeoutSeconds: inputs['ready-timeout-seconds'],
      ...(inputs['api-key'] ? { secrets: [inputs['api-key']] } : {}),
      // Every header given in `headers` is a secret unless known harmless (Accept, azureml-model-deployment).
      secretHeaders: userSecretHeaderNames(requests.flatMap((r) => Object.keys(r.headers))),
    },
  };
}

/**
 * What to call: the scoring-uri input as given, else the endpoint (and deployment) looked up on the target.
 * The inputs' key and deployment header win over what the target adds.
 */
export async function findService(
  inputs: Pick<SmokeInputs, 'scoring-uri' | 'endpoint-name' | 'deployment-name' | 'auth' | 'api-key'>,
  /** Opened only when the endpoint is to be looked up. */
  openTarget: () => Promise<Target>,
): Promise<ScoringService> {
  const headers: Record<string, string> = {};
  const auth = inputs.auth;
  if (inputs['api-key'] && auth !== 'none') headers['Authorization'] = `Bearer ${inputs['api-key']}`;
  if (inputs['deployment-name']) headers['azureml-model-deployment'] = inputs['deployment-name'];
  if (inputs['scoring-uri']) {
    if ((auth === 'aml-token' || auth === 'aad') && !inputs['api-key']) {
      throw new UsageError(
        `auth: ${auth} with scoring-uri needs the token in api-key (or give endpoint-name)`,
        'auth',
      );
    }
    return { scoringUri: inputs['scoring-uri'], headers, label: inputs['scoring-uri'] };
  }
  const service = await (await openTarget()).scoring({
    endpointName: inputs['endpoint-name']!.toLowerCase(),
    ...(inputs['deployment-name'] ? { deploymentName: inputs['deployment-name'] } : {}),
    auth,
    lookUpCredentials: !inputs['api-key'],
  });
  return { ...service, headers: { ...service.headers, ...headers } };
}

/** Runs the prepared smoke test against the service, recording a report section and the outputs. */
export async function runSmoke(
  prepared: PreparedSmoke,
  service: ScoringService,
  deps: TargetDeps,
  ctx: Pick<ActionContext<typeof smokeOutputs>, 'report' | 'setOutput'>,
): Promise<SmokeTestResult> {
  const { io } = deps;
  const section = ctx.report.section('smoke-test-service', `Smoke test ${service.label}`);
  const secretHeaders = new Set((prepared.options.secretHeaders ?? []).map((n) => n.toLowerCase()));
  for (const request of prepared.options.requests) {
    for (const [name, value] of Object.entries(request.headers))
      if (secretHeaders.has(name.toLowerCase())) io.setSecret(value);
  }
  io.info(`smoke testing ${service.scoringUri} with ${prepared.options.requests.length} request file(s)`);
  const result = await runSmokeTest(
    { ...prepared.options, scoringUri: service.scoringUri, headers: service.headers },
    { clock: deps.clock, log: io, ...(service.dispatcher ? { dispatcher: service.dispatcher } : {}) },
  );
  reportSmoke(ctx.report, section, service, result);
  io.info(result.message);
  writeSmokeOutputs(result, ctx);
  ctx.setOutput('transcript-file', await writeTranscript(result, prepared.inputs, deps));
  return result;
}

function reportSmoke(
  report: Report,
  section: ReturnType<Report['section']>,
  service: ScoringService,
  result: SmokeTestResult,
): void {
  addFacts(
    section,
    fact('Scoring URI', service.scoringUri, { code: true }),
    fact('Result', result.message),
    fact('Requests', result.requests),
    fact(
      'Latency p50 / p95 / max',
      `${ms(result.latency.p50)} / ${ms(result.latency.p95)} / ${ms(result.latency.max)}`,
    ),
    result.budget.maxLatencyMs !== undefined
      ? fact(
          'Latency budget (p95)',
          `${result.budget.maxLatencyMs} ms: ${result.budget.passed ? 'met' : 'exceeded'}`,
        )
      : undefined,
  );
  section.tables.push({
    caption: 'Requests',
    columns: ['Request', 'Status', 'Requests', 'p50 ms', 'p95 ms', 'max ms', 'Errors'],
    rows: result.files.map((f) => [
      f.name,
      f.statusCode === undefined ? '—' : String(f.statusCode),
      String(f.requests),
      ms(f.latencyMs.p50),
      ms(f.latencyMs.p95),
      ms(f.latencyMs.max),
      Object.entries(f.errorsByClass)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ') || '0',
    ]),
  });
  const assertions = assertionsTable(result.files);
  if (assertions) section.tables.push(assertions);
  if (result.passed) report.finish(section, 'succeeded');
  else report.fail(section, result.message);
}

function ms(v: number | undefined): string {
  return v === undefined || Number.isNaN(v) ? '—' : v.toFixed(1);
}

/**
 * The requests and responses (secrets already redacted by the probe) as a JSON file for the artifact and for
 * people: under $RUNNER_TEMP on a runner, else under local-dir.
 */
async function writeTranscript(
  result: SmokeTestResult,
  inputs: SmokeInputs,
  deps: TargetDeps,
): Promise<string> {
  const base = deps.env['RUNNER_TEMP'] || path.resolve(deps.cwd, inputs['local-dir']);
  const name = (inputs['endpoint-name'] ?? 'scoring-uri').replace(/[^a-zA-Z0-9_-]/g, '-');
  const file = path.join(base, 'azureml-deploy', `smoke-${name}-${deps.clock.now()}.json`);
  const { transcript, passed, message, latency, failures, files } = result;
  await writePrivateFile(
    file,
    deps.io.redact(`${JSON.stringify({ passed, message, latency, failures, files, transcript }, null, 2)}\n`),
  );
  return file;
}
