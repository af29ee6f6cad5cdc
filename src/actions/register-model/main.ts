import { UsageError } from '../../errors.ts';
import type { Log } from '../../log.ts';
import { LocalModelRegistry } from '../../registry/local-registry.ts';
import type { RegisteredModel } from '../../registry/model-registry.ts';
import { addFacts, fact, type Report } from '../../report/report.ts';
import type { ActionContext, ActionDeps } from '../shared/action-definition.ts';
import { defineAction } from '../shared/action-definition.ts';
import type { ParsedInputs } from '../shared/define-inputs.ts';
import { requireLocalTarget, resolveTarget } from '../shared/target.ts';
import { registerInputs, registerOutputs } from './inputs.ts';
import { modelSpecFromInputs, provenanceProperties } from './model-spec.ts';

export type RegisterInputs = ParsedInputs<typeof registerInputs>;

export const registerModelAction = defineAction({
  name: 'register-model',
  title: 'Register a model',
  description:
    'Register a model file or folder (or a training job output) as a new model version with tags and properties; reuse the existing version when the content is identical.',
  inputs: registerInputs,
  outputs: registerOutputs,
  validate(inputs) {
    if (!inputs['model-name'] && !inputs['model-file']) {
      throw new UsageError('is required (or give model-file)', 'model-name');
    }
  },
  async run(inputs, ctx) {
    const model = await registerModel(inputs, ctx.deps, ctx.report, ctx.io);
    writeRegisterOutputs(model, ctx);
  },
});

/** Register per the inputs, recording a report section; shared with the pipeline. */
export async function registerModel(
  inputs: RegisterInputs,
  deps: ActionDeps,
  report: Report,
  log: Log,
): Promise<RegisteredModel> {
  const spec = await modelSpecFromInputs(inputs, deps.cwd);
  const target = await resolveTarget(inputs, deps.cwd);
  requireLocalTarget(target, 'register-model');
  spec.properties = { ...provenanceProperties(deps.env), ...spec.properties };
  const section = report.section('register-model', `Register model ${spec.name}`);
  try {
    const registry = new LocalModelRegistry(target.localDir, () => deps.clock.now());
    const model = await registry.register(spec, { dedupe: inputs.dedupe });
    log.info(
      model.reused
        ? `model ${model.name}:${model.version} reused: identical content (${model.contentHash})`
        : `model ${model.name}:${model.version} registered (${model.contentHash})`,
    );
    addFacts(
      section,
      fact('Model', model.id, { code: true }),
      fact('Target', 'local'),
      fact('Content hash', model.contentHash, { code: true }),
      fact('Reused', model.reused ? 'yes (identical content)' : 'no'),
      fact('Stored at', model.uri, { code: true }),
    );
    report.finish(section, model.reused ? 'unchanged' : 'succeeded');
    return model;
  } catch (err) {
    report.fail(section, err instanceof Error ? err.message : String(err));
    throw err;
  }
}

export function writeRegisterOutputs(
  model: RegisteredModel,
  ctx: Pick<ActionContext<typeof registerOutputs>, 'setOutput'>,
): void {
  ctx.setOutput('model-name', model.name);
  ctx.setOutput('model-version', model.version);
  ctx.setOutput('model-id', model.id);
  ctx.setOutput('asset-id', model.assetId);
  ctx.setOutput('model-uri', model.uri);
  ctx.setOutput('content-hash', model.contentHash);
  ctx.setOutput('reused', model.reused);
}
