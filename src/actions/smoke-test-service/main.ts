import { ActionFailure, UsageError } from '../../errors.ts';
import { openTarget } from '../../targets/open-target.ts';
import { defineAction } from '../shared/action-definition.ts';
import { prepareBatchJob, runBatchJob } from '../shared/batch-step.ts';
import {
  findService,
  parseExpectationsNamed,
  parseExpectStatusNamed,
  prepareSmoke,
  runSmoke,
} from '../shared/smoke-step.ts';
import { smokeInputs, smokeOutputs } from './inputs.ts';

/** Looking up a scoring URI and its key is a few reads. */
const LOOKUP_MINUTES = 10;

export const smokeTestAction = defineAction({
  name: 'smoke-test-service',
  title: 'Smoke test a service',
  description:
    'Send real scoring requests to a deployed (or local) service, check status, JSON and schema expectations, and measure latency; or run a scoring job on a batch endpoint and check its output.',
  inputs: smokeInputs,
  outputs: smokeOutputs,
  validate(inputs) {
    if (!inputs['scoring-uri'] && !inputs['endpoint-name']) {
      throw new UsageError('give scoring-uri, or endpoint-name to look it up', 'scoring-uri');
    }
    if (inputs['batch-input']) {
      if (!inputs['endpoint-name'] || inputs['scoring-uri']) {
        throw new UsageError(
          'a batch job runs on a batch endpoint: give endpoint-name (not scoring-uri)',
          'endpoint-name',
        );
      }
      if (inputs['request-file'] || inputs['request-body']) {
        throw new UsageError(
          'batch-input runs a batch job; request-file and request-body send scoring requests: give one or the other',
          'batch-input',
        );
      }
      return;
    }
    for (const name of ['expect-output-file', 'expect-rows'] as const) {
      if (inputs[name] !== undefined)
        throw new UsageError('checks the output of a batch job: give batch-input', name);
    }
    if (!inputs['request-file'] && !inputs['request-body']) {
      throw new UsageError(
        'give request-file or request-body (what to send), or batch-input (a batch job)',
        'request-file',
      );
    }
    if (inputs.auth === 'key' && !inputs['api-key'] && inputs['scoring-uri']) {
      throw new UsageError(
        'auth: key with scoring-uri needs api-key (or give endpoint-name to look the key up)',
        'api-key',
      );
    }
    if (inputs.expect) parseExpectationsNamed(inputs.expect);
    parseExpectStatusNamed(inputs['expect-status']);
  },
  async run(inputs, ctx) {
    const deps = { ...ctx.deps, io: ctx.io };
    if (inputs['batch-input']) {
      const job = await prepareBatchJob(inputs, deps.cwd);
      const target = await openTarget(inputs, deps, { timeoutMinutes: inputs['timeout-minutes'] });
      await runBatchJob(
        job,
        target,
        { endpointName: inputs['endpoint-name']!.toLowerCase(), deploymentName: inputs['deployment-name'] },
        deps,
        ctx,
      );
      return;
    }
    const prepared = await prepareSmoke(inputs, deps.cwd);
    const service = await findService(inputs, () =>
      openTarget(inputs, deps, { timeoutMinutes: LOOKUP_MINUTES }),
    );
    const result = await runSmoke(prepared, service, deps, ctx);
    if (!result.passed && inputs['fail-on-error']) throw new ActionFailure(result.message);
  },
});
