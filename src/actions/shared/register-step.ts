// The register step of register-model and the pipeline: the model spec from the inputs, registered on the
// target, with its report section and outputs.

import { assertInsideWorkspace } from '../../content/workspace-path.ts';
import type { RegisteredModel } from '../../registry/model-registry.ts';
import { addFacts, fact } from '../../report/report.ts';
import type { Target, TargetDeps } from '../../targets/target.ts';
import type { registerOutputs } from '../register-model/inputs.ts';
import type { ActionContext } from './action-definition.ts';
import { isUri, type ModelInputs, modelSpecFromInputs, provenanceProperties } from './model-spec.ts';
import { writeRegisterOutputs } from './outputs.ts';

export async function runRegister(
  inputs: ModelInputs & { dedupe: boolean; 'follow-symlinks': boolean },
  target: Target,
  deps: TargetDeps,
  ctx: Pick<ActionContext<typeof registerOutputs>, 'report' | 'setOutput'>,
): Promise<RegisteredModel> {
  const { report } = ctx;
  const { io } = deps;
  const spec = await modelSpecFromInputs(inputs, deps.cwd);
  if (!isUri(spec.path)) {
    await assertInsideWorkspace(spec.path, {
      workspace: deps.env['GITHUB_WORKSPACE'],
      input: inputs['model-path'] ? 'model-path' : 'model-file',
      allowOutside: inputs['follow-symlinks'],
    });
  }
  spec.properties = { ...provenanceProperties(deps.env), ...spec.properties };
  const section = report.section('register-model', `Register model ${spec.name}`);
  try {
    const model = await (await target.registry()).register(spec, {
      dedupe: inputs.dedupe,
      followSymlinks: inputs['follow-symlinks'],
    });
    io.info(
      model.reused
        ? `model ${model.name}:${model.version} reused: identical content (${model.contentHash || model.uri})`
        : `model ${model.name}:${model.version} registered (${model.contentHash || model.uri}, ${model.bytesUploaded} bytes uploaded)`,
    );
    const seconds = (deps.clock.now() - section.startedAtMs) / 1000;
    addFacts(
      section,
      fact('Model', model.id, { code: true }),
      fact('Target', target.label),
      fact('Content hash', model.contentHash, { code: true }),
      fact('Reused', model.reused ? 'yes (identical content: nothing uploaded, no new version)' : 'no'),
      fact('Uploaded', `${formatBytes(model.bytesUploaded)} in ${seconds.toFixed(1)} s`),
      fact('Asset', model.assetId, { code: true }),
      fact('URI', model.uri, { code: true }),
    );
    section.notes.push(...target.notes());
    report.finish(section, model.reused ? 'unchanged' : 'succeeded');
    writeRegisterOutputs(model, ctx);
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
