import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ActionFailure, UsageError } from '../../errors.ts';
import type { ActionIO } from '../../io/action-io.ts';
import { loadExpectJson, parseExpectStatus } from '../../probe/assertions.ts';
import { parseExpectations } from '../../probe/expectations.ts';
import { loadRequests } from '../../probe/requests.ts';
import { loadResponseSchema } from '../../probe/schema.ts';
import { runSmokeTest, type SmokeTestOptions, type SmokeTestResult } from '../../probe/smoke-test.ts';
import { addFacts, fact, type Report } from '../../report/report.ts';
import { listLocalDeployments } from '../../targets/local/local-service.ts';
import { readEndpointState } from '../../targets/local/service-state.ts';
import type { ActionContext, ActionDeps } from '../shared/action-definition.ts';
import { defineAction } from '../shared/action-definition.ts';
import type { ParsedInputs } from '../shared/define-inputs.ts';
import { resolveTarget } from '../shared/target.ts';
import { smokeInputs, smokeOutputs } from './inputs.ts';

export type SmokeInputs = ParsedInputs<typeof smokeInputs>;

export const smokeTestAction = defineAction({
  name: 'smoke-test-service',
  title: 'Smoke test a service',
  description:
    'Send real scoring requests to a deployed (or local) service, check status, JSON and schema expectations, and measure latency.',
  inputs: smokeInputs,
  outputs: smokeOutputs,
  validate(inputs) {
    if (!inputs['scoring-uri'] && !inputs['endpoint-name']) {
      throw new UsageError('give scoring-uri, or endpoint-name to look it up', 'scoring-uri');
    }
    if (!inputs['request-file'] && !inputs['request-body']) {
      throw new UsageError('give request-file or request-body (what to send)', 'request-file');
    }
    if (inputs.auth === 'key' && !inputs['api-key'] && inputs['scoring-uri']) {
      throw new UsageError(
        'auth: key with scoring-uri needs api-key (or give endpoint-name to look the key up)',
        'api-key',
      );
    }
    if (inputs.expect) parseExpectationsNamed(inputs.expect);
    parseExpectStatusNamed(inputs['expect-status'] ?? '200');
  },
  async run(inputs, ctx) {
    const prepared = await prepareSmoke(inputs, ctx.deps);
    const result = await smokeTest(prepared, ctx.deps, ctx.report, ctx.io);
    writeSmokeOutputs(result, ctx);
    ctx.setOutput('transcript-file', await writeTranscript(result, inputs, ctx.deps));
    if (!result.passed && inputs['fail-on-error'])
      throw new ActionFailure(`smoke test failed: ${result.message}`);
  },
});

function parseExpectationsNamed(text: string) {
  try {
    return parseExpectations(text);
  } catch (err) {
    throw new UsageError((err as Error).message, 'expect');
  }
}

function parseExpectStatusNamed(text: string) {
  try {
    return parseExpectStatus(text);
  } catch (err) {
    throw new UsageError((err as Error).message, 'expect-status');
  }
}

interface ResolvedService {
  scoringUri: string;
  headers: Record<string, string>;
  label: string;
}

/** Finds what to call: the given URI, or the local endpoint's deployment. */
async function resolveService(inputs: SmokeInputs, deps: ActionDeps, io: ActionIO): Promise<ResolvedService> {
  const headers: Record<string, string> = {};
  const auth = inputs.auth ?? 'auto';
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
  const endpoint = inputs['endpoint-name']!.toLowerCase();
  const target = await resolveTarget(inputs, deps.cwd);
  if (target.kind === 'azureml') {
    // The Azure stack loads only for the azureml target.
    const { connectWorkspace } = await import('../shared/azure-context.ts');
    const { scoringCredentials } = await import('../../targets/azureml/scoring-credentials.ts');
    const deadline = deps.clock.now() + 10 * 60_000;
    const ws = await connectWorkspace(inputs, target.workspace, io, deps, deadline);
    const modes = { key: 'Key', 'aml-token': 'AMLToken', aad: 'AADToken' } as const;
    const creds = await scoringCredentials(ws, endpoint, {
      deadline,
      ...(auth !== 'auto' && auth !== 'none' ? { authMode: modes[auth] } : {}),
    });
    if (!creds.scoringUri)
      throw new ActionFailure(`endpoint ${endpoint} has no scoring URI yet (is it still being created?)`);
    const authHeaders = auth === 'none' || inputs['api-key'] ? {} : creds.headers();
    return {
      scoringUri: creds.scoringUri,
      headers: { ...authHeaders, ...headers },
      label: `${endpoint}${inputs['deployment-name'] ? `/${inputs['deployment-name']}` : ''} (${creds.authMode} auth)`,
    };
  }
  const deployments = await listLocalDeployments(target.localDir, endpoint);
  if (deployments.length === 0) {
    throw new UsageError(
      `no local endpoint '${endpoint}' in ${target.localDir} (deploy it first with target: local)`,
      'endpoint-name',
    );
  }
  let chosen = inputs['deployment-name']
    ? deployments.find((d) => d.state.deploymentName === inputs['deployment-name']!.toLowerCase())
    : undefined;
  if (inputs['deployment-name'] && !chosen) {
    throw new UsageError(
      `endpoint '${endpoint}' has no deployment '${inputs['deployment-name']}' (it has ${deployments.map((d) => d.state.deploymentName).join(', ')})`,
      'deployment-name',
    );
  }
  if (!chosen) {
    // Like an endpoint's traffic split: the deployment with the most traffic, else the only one.
    const traffic = (await readEndpointState(target.localDir, endpoint))?.traffic ?? {};
    chosen = [...deployments].sort(
      (a, b) => (traffic[b.state.deploymentName] ?? 0) - (traffic[a.state.deploymentName] ?? 0),
    )[0]!;
  }
  return {
    scoringUri: chosen.state.scoringUri,
    headers,
    label: `${endpoint}/${chosen.state.deploymentName} (local)`,
  };
}

export interface PreparedSmoke {
  options: Omit<SmokeTestOptions, 'scoringUri' | 'headers'>;
  inputs: SmokeInputs;
}

/** Reads request files, expectations and schema; no side effect. Shared with the pipeline. */
export async function prepareSmoke(inputs: SmokeInputs, deps: ActionDeps): Promise<PreparedSmoke> {
  const expectations = inputs.expect ? parseExpectationsNamed(inputs.expect) : [];
  const requests = await loadRequests({
    ...(inputs['request-file'] ? { requestFile: inputs['request-file'] } : {}),
    ...(inputs['request-body'] ? { requestBody: inputs['request-body'] } : {}),
    ...(inputs.headers ? { headers: inputs.headers } : {}),
    baseDir: deps.cwd,
  });
  const expectJson = inputs['expect-json']
    ? await loadExpectJson(inputs['expect-json'], deps.cwd)
    : undefined;
  const schema = inputs['expect-schema']
    ? await loadResponseSchema(inputs['expect-schema'], deps.cwd)
    : undefined;
  return {
    inputs,
    options: {
      requests,
      expectStatus: parseExpectStatusNamed(inputs['expect-status'] ?? '200'),
      ...(inputs['expect-json'] ? { expectJson, hasExpectJson: true } : {}),
      expectations,
      ...(schema ? { schema } : {}),
      requestsPerFile: inputs.requests ?? 1,
      concurrency: inputs.concurrency ?? 1,
      warmup: inputs.warmup ?? 0,
      ...(inputs['max-latency-ms'] !== undefined ? { maxLatencyMs: inputs['max-latency-ms'] } : {}),
      readyTimeoutSeconds: inputs['ready-timeout-seconds'] ?? 120,
      ...(inputs['api-key'] ? { secrets: [inputs['api-key']] } : {}),
    },
  };
}

/** Runs the prepared smoke test, recording a report section. `override` targets a just-deployed service. */
export async function smokeTest(
  prepared: PreparedSmoke,
  deps: ActionDeps,
  report: Report,
  io: ActionIO,
  override: { scoringUri?: string; endpointName?: string; deploymentName?: string } = {},
): Promise<SmokeTestResult> {
  const inputs: SmokeInputs = override.endpointName
    ? {
        ...prepared.inputs,
        'scoring-uri': undefined,
        'endpoint-name': override.endpointName,
        'deployment-name': override.deploymentName,
      }
    : prepared.inputs;
  const requests = prepared.options.requests;
  const service = override.scoringUri
    ? {
        scoringUri: override.scoringUri,
        headers: override.deploymentName ? { 'azureml-model-deployment': override.deploymentName } : {},
        label: override.scoringUri,
      }
    : await resolveService(inputs, deps, io);

  const section = report.section('smoke-test-service', `Smoke test ${service.label}`);
  const options: SmokeTestOptions = {
    ...prepared.options,
    scoringUri: service.scoringUri,
    headers: service.headers,
  };
  io.info(`smoke testing ${service.scoringUri} with ${requests.length} request file(s)`);
  const result = await runSmokeTest(options, { clock: deps.clock, log: io });
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
  const assertionRows = result.files.flatMap((f) =>
    f.assertions.map((a) => [
      f.name,
      a.text,
      a.passed ? '✅' : '❌',
      a.expected,
      a.actual ?? (a.passed ? '' : '—'),
    ]),
  );
  if (assertionRows.length > 0) {
    section.tables.push({
      caption: 'Assertions',
      columns: ['Request', 'Assertion', '', 'Expected', 'Actual'],
      rows: assertionRows,
    });
  }
  if (result.passed) report.finish(section, 'succeeded');
  else report.fail(section, result.message);
  io.info(result.message);
  return result;
}

function ms(v: number | undefined): string {
  return v === undefined || Number.isNaN(v) ? '—' : v.toFixed(1);
}

/**
 * The requests and responses (secrets already redacted by the probe) as a JSON file for the artifact and for
 * people: under $RUNNER_TEMP on a runner, else under local-dir.
 */
export async function writeTranscript(
  result: SmokeTestResult,
  inputs: SmokeInputs,
  deps: ActionDeps,
): Promise<string> {
  const base = deps.env['RUNNER_TEMP'] || path.resolve(deps.cwd, inputs['local-dir'] ?? '.azureml-local');
  const name = (inputs['endpoint-name'] ?? 'scoring-uri').replace(/[^a-zA-Z0-9_-]/g, '-');
  const file = path.join(base, 'azureml-deploy', `smoke-${name}-${deps.clock.now()}.json`);
  await mkdir(path.dirname(file), { recursive: true });
  const { transcript, passed, message, latency, failures, files } = result;
  await writeFile(
    file,
    `${JSON.stringify({ passed, message, latency, failures, files, transcript }, null, 2)}\n`,
  );
  return file;
}

export function writeSmokeOutputs(
  result: SmokeTestResult,
  ctx: Pick<ActionContext<typeof smokeOutputs>, 'setOutput'>,
): void {
  ctx.setOutput('passed', result.passed);
  ctx.setOutput('status-code', result.statusCode);
  ctx.setOutput('response', result.response);
  ctx.setOutput('requests', result.requests);
  ctx.setOutput('failures', result.failures.length);
  ctx.setOutput('latency-ms-p50', round(result.latency.p50));
  ctx.setOutput('latency-ms-p95', round(result.latency.p95));
  ctx.setOutput('latency-ms-max', round(result.latency.max));
}

function round(v: number | undefined): number | undefined {
  return v === undefined || Number.isNaN(v) ? undefined : Math.round(v * 10) / 10;
}
