import { ActionFailure, UsageError } from '../../errors.ts';
import { openTarget } from '../../targets/open-target.ts';
import { defineAction } from '../shared/action-definition.ts';
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
    parseExpectStatusNamed(inputs['expect-status']);
  },
  async run(inputs, ctx) {
    const deps = { ...ctx.deps, io: ctx.io };
    const prepared = await prepareSmoke(inputs, deps.cwd);
    const service = await findService(inputs, () =>
      openTarget(inputs, deps, { timeoutMinutes: LOOKUP_MINUTES }),
    );
    const result = await runSmoke(prepared, service, deps, ctx);
    if (!result.passed && inputs['fail-on-error'])
      throw new ActionFailure(result.message);
  },
});
