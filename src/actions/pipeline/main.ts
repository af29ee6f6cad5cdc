// The four actions in one step: register → deploy (wait) → smoke test → (delete), with every input
// validated and every file read before the first side effect.

import { ActionFailure, UsageError } from '../../errors.ts';
import type { ActionIO } from '../../io/action-io.ts';
import type { SmokeTestResult } from '../../probe/smoke-test.ts';
import type { RegisteredModel } from '../../registry/model-registry.ts';
import { addFacts, fact } from '../../report/report.ts';
import { deleteLocal } from '../delete-service/delete-local.ts';
import type { DeployOutcome } from '../deploy-model/deploy-local.ts';
import { applyDeploy, type PreparedDeploy, prepareDeploy, writeDeployOutputs } from '../deploy-model/main.ts';
import { registerModel, writeRegisterOutputs } from '../register-model/main.ts';
import { modelSpecFromInputs } from '../register-model/model-spec.ts';
import type { ActionDeps } from '../shared/action-definition.ts';
import { defineAction } from '../shared/action-definition.ts';
import { prepareSmoke, smokeTest, writeSmokeOutputs, writeTranscript } from '../smoke-test-service/main.ts';
import { pipelineInputs, pipelineOutputs } from './inputs.ts';

export const pipelineAction = defineAction({
  name: 'pipeline',
  title: 'Register, deploy and smoke test',
  description:
    'Register a model, deploy it, wait, smoke test it and report, in one step; on failure capture logs and leave serving traffic as it was.',
  inputs: pipelineInputs,
  outputs: pipelineOutputs,
  validate(inputs) {
    const registers = Boolean(inputs['model-path'] || inputs['model-file']);
    if (registers && inputs.model) {
      throw new UsageError(
        'give model (an existing model or path) or model-path/model-file (registered first), not both',
        'model',
      );
    }
    if (registers && !inputs['model-name'] && !inputs['model-file']) {
      throw new UsageError('is required with model-path', 'model-name');
    }
  },
  async run(inputs, ctx) {
    const { deps, report, io } = ctx;
    const registers = Boolean(inputs['model-path'] || inputs['model-file']);
    // Everything is read and checked first: a broken file stops the run before anything is registered.
    if (registers) await modelSpecFromInputs(inputs, deps.cwd);
    const prepared = await prepareDeploy(inputs, deps, io);
    const smoke =
      inputs['request-file'] || inputs['request-body'] ? await prepareSmoke(inputs, deps) : undefined;
    if (prepared.target === 'azureml' && smoke) {
      // On Azure the request file is also the gate: of a blue-green or canary rollout, and, with no traffic
      // input, of any new deployment on an endpoint that already serves traffic.
      prepared.options.smokeRequests = [...smoke.options.requests];
      prepared.options.gateWhenServing = true;
    }
    ctx.setOutput('endpoint-name', prepared.request.endpointName);
    ctx.setOutput('deployment-name', prepared.request.deploymentName);

    let outcome: DeployOutcome | undefined;
    let smokeResult: SmokeTestResult | undefined;
    try {
      if (registers) {
        const model: RegisteredModel = await registerModel(inputs, deps, report, io);
        writeRegisterOutputs(model, ctx);
        prepared.request.model = { kind: 'version', name: model.name, version: model.version };
      }
      try {
        outcome = await applyDeploy(prepared, deps, report, io);
      } catch (err) {
        const failed = (err as { outcome?: DeployOutcome }).outcome;
        if (failed) writeDeployOutputs(failed, ctx);
        throw err;
      }
      writeDeployOutputs(outcome, ctx);
      if (smoke && outcome.scoringUri && !inputs['dry-run']) {
        // Locally the URI is the deployment's own; on Azure the key is looked up and the deployment named.
        const where =
          prepared.target === 'azureml'
            ? { endpointName: outcome.endpointName, deploymentName: outcome.deploymentName }
            : { scoringUri: outcome.scoringUri };
        smokeResult = await smokeTest(smoke, deps, report, io, where);
        writeSmokeOutputs(smokeResult, ctx);
        ctx.setOutput('transcript-file', await writeTranscript(smokeResult, inputs, deps));
        if (!smokeResult.passed && inputs['fail-on-error']) {
          throw new ActionFailure(`smoke test failed: ${smokeResult.message}`);
        }
      }
    } finally {
      if (inputs['delete-after'] && !inputs['dry-run']) {
        const section = report.section('delete-service', `Delete ${prepared.request.endpointName}`);
        const deleted = await deleteAfter(prepared, deps, io);
        ctx.setOutput('deleted', deleted);
        addFacts(
          section,
          fact('Deleted', deleted.length > 0 ? deleted.join(', ') : 'nothing (already gone)'),
        );
        report.finish(section, 'succeeded');
        io.info(`deleted: ${deleted.join(', ') || 'nothing'}`);
      }
    }
  },
});

/** delete-after: the endpoint goes, whatever happened before (throw-away previews). */
async function deleteAfter(prepared: PreparedDeploy, deps: ActionDeps, io: ActionIO): Promise<string[]> {
  const endpointName = prepared.request.endpointName;
  if (prepared.target === 'local') {
    return deleteLocal({ localDir: prepared.options.localDir, endpointName, ignoreMissing: true }, deps, io);
  }
  const { connectWorkspace } = await import('../shared/azure-context.ts');
  const { deleteFromWorkspace } = await import('../../targets/azureml/delete.ts');
  const deadline = deps.clock.now() + 30 * 60_000;
  const ws = await connectWorkspace(prepared.options.azure, prepared.options.workspace, io, deps, deadline);
  const result = await deleteFromWorkspace(
    ws,
    { endpointName, ignoreMissing: true, wait: true },
    { deadline, now: () => deps.clock.now(), onProgress: (line) => io.info(line) },
  );
  return result.deleted;
}
