// Results → outputs, one writer per kind of result, shared by each action and the pipeline.

import type { SmokeTestResult } from '../../probe/smoke-test.ts';
import type { RegisteredModel } from '../../registry/model-registry.ts';
import type { DeployOutcome } from '../../targets/target.ts';
import type { deployOutputs } from '../deploy-model/inputs.ts';
import type { registerOutputs } from '../register-model/inputs.ts';
import type { smokeOutputs } from '../smoke-test-service/inputs.ts';
import type { ActionContext } from './action-definition.ts';

type Setter<O extends Record<string, { description: string }>> = Pick<ActionContext<O>, 'setOutput'>;

export function writeRegisterOutputs(model: RegisteredModel, ctx: Setter<typeof registerOutputs>): void {
  ctx.setOutput('model-name', model.name);
  ctx.setOutput('model-version', model.version);
  ctx.setOutput('model-id', model.id);
  ctx.setOutput('asset-id', model.assetId);
  ctx.setOutput('model-uri', model.uri);
  ctx.setOutput('content-hash', model.contentHash);
  ctx.setOutput('reused', model.reused);
  ctx.setOutput('bytes-uploaded', model.bytesUploaded);
}

export function writeDeployOutputs(outcome: DeployOutcome, ctx: Setter<typeof deployOutputs>): void {
  ctx.setOutput('endpoint-name', outcome.endpointName);
  ctx.setOutput('deployment-name', outcome.deploymentName);
  ctx.setOutput('scoring-uri', outcome.scoringUri);
  ctx.setOutput('swagger-uri', outcome.swaggerUri);
  ctx.setOutput('state', outcome.state);
  ctx.setOutput('provisioning-state', outcome.provisioningState);
  ctx.setOutput('traffic', outcome.traffic);
  ctx.setOutput('previous-traffic', outcome.previousTraffic);
  ctx.setOutput('changed', outcome.changed);
  ctx.setOutput('plan', outcome.plan);
  ctx.setOutput('logs-file', outcome.logsFile);
  ctx.setOutput('steps', outcome.steps);
}

export function writeSmokeOutputs(result: SmokeTestResult, ctx: Setter<typeof smokeOutputs>): void {
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
