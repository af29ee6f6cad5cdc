import path from 'node:path';
import { UsageError } from '../../errors.ts';
import type { ActionIO } from '../../io/action-io.ts';
import { LocalModelRegistry } from '../../registry/local-registry.ts';
import type { ModelRegistry, RegisteredModel } from '../../registry/model-registry.ts';
import { addFacts, fact, type Report } from '../../report/report.ts';
import type { ActionContext, ActionDeps } from '../shared/action-definition.ts';
import { defineAction } from '../shared/action-definition.ts';
import type { ParsedInputs } from '../shared/define-inputs.ts';
import { resolveTarget } from '../shared/target.ts';
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
  io: ActionIO,
): Promise<RegisteredModel> {
  const spec = await modelSpecFromInputs(inputs, deps.cwd);
  const target = await resolveTarget(inputs, deps.cwd);
  spec.properties = { ...provenanceProperties(deps.env), ...spec.properties };
  const section = report.section('register-model', `Register model ${spec.name}`);
  const deadline = deps.clock.now() + (inputs['timeout-minutes'] ?? 60) * 60_000;
  try {
    let registry: ModelRegistry;
    if (target.kind === 'azureml') {
      // The Azure client stack (undici, credentials, blob upload) loads only for the azureml target.
      const { connectWorkspace } = await import('../shared/azure-context.ts');
      const { AzureModelRegistry } = await import('../../registry/azureml-registry.ts');
      const ws = await connectWorkspace(inputs, target.workspace, io, deps, deadline);
      registry = new AzureModelRegistry(ws, {
        hashCacheFile: path.join(target.localDir, 'hash-cache.json'),
        log: io,
        clock: deps.clock,
        deadline,
        ...(deps.signal ? { signal: deps.signal } : {}),
      });
    } else {
      registry = new LocalModelRegistry(target.localDir, () => deps.clock.now());
    }
    const model = await registry.register(spec, { dedupe: inputs.dedupe });
    io.info(
      model.reused
        ? `model ${model.name}:${model.version} reused: identical content (${model.contentHash || model.uri})`
        : `model ${model.name}:${model.version} registered (${model.contentHash || model.uri}, ${model.bytesUploaded} bytes uploaded)`,
    );
    const seconds = (deps.clock.now() - section.startedAtMs) / 1000;
    addFacts(
      section,
      fact('Model', model.id, { code: true }),
      fact(
        'Target',
        target.kind === 'azureml' ? `Azure ML workspace ${target.workspace.workspaceName}` : 'local',
      ),
      fact('Content hash', model.contentHash, { code: true }),
      fact('Reused', model.reused ? 'yes (identical content: nothing uploaded, no new version)' : 'no'),
      fact('Uploaded', `${formatBytes(model.bytesUploaded)} in ${seconds.toFixed(1)} s`),
      fact('Asset', model.assetId, { code: true }),
      fact('URI', model.uri, { code: true }),
    );
    report.finish(section, model.reused ? 'unchanged' : 'succeeded');
    return model;
  } catch (err) {
    report.fail(section, err instanceof Error ? err.message : String(err));
    throw err;
  }
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
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
  ctx.setOutput('bytes-uploaded', model.bytesUploaded);
}
