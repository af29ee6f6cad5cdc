// What online and batch deployments on Azure ML share before their own plan: the workspace's model registry
// as a run uses it, an inline model (a local path in the deployment) planned or registered, and the facts
// that open a deploy section (workspace and endpoint, with their studio links).

import path from 'node:path';
import { assetVersionId } from '../../azure/bodies/arm-ids.ts';
import type { AzureWorkspace } from '../../azure/workspace.ts';
import type { ModelRef } from '../../config/spec.ts';
import { AzureModelRegistry } from '../../registry/azureml-registry.ts';
import { addFacts, fact, type ReportSection } from '../../report/report.ts';
import { type StudioEndpointKind, studioEndpointUrl, studioWorkspaceUrl } from '../../report/studio-links.ts';
import { inlineModelSpec, type TargetDeps } from '../target.ts';

type InlineModel = Extract<ModelRef, { kind: 'path' }>;

/** The workspace's model registry with the run's hash cache, log, clock, deadline and cancel signal. */
export function runRegistry(
  ws: AzureWorkspace,
  run: { localDir: string; deadline: number; deps: TargetDeps },
): AzureModelRegistry {
  return new AzureModelRegistry(ws, {
    hashCacheFile: path.join(run.localDir, 'hash-cache.json'),
    log: run.deps.io,
    clock: run.deps.clock,
    deadline: run.deadline,
    ...(run.deps.signal ? { signal: run.deps.signal } : {}),
  });
}

/**
 * The model a deployment uses when the file gives a local path. A dry run hashes it and compares it with the
 * workspace (reads only): the version it would reuse, or the new one it would register, and a plan line. A
 * real run first runs `precheck` (the plan's checks, which need no model: uploading and registering are
 * writes), then registers it, reusing an identical version.
 */
export async function resolveInlineModel(
  ref: InlineModel,
  ws: AzureWorkspace,
  run: { localDir: string; deadline: number; deps: TargetDeps },
  opts: { dryRun: boolean; followSymlinks: boolean; precheck: () => Promise<unknown> },
  section: ReportSection,
): Promise<{ model: ModelRef; planLine?: string }> {
  const registry = runRegistry(ws, run);
  const spec = inlineModelSpec(ref);
  if (opts.dryRun) {
    const planned = await registry.planRegister(spec, { dedupe: true, followSymlinks: opts.followSymlinks });
    const planLine = planned.reused
      ? `reuse model azureml:${planned.name}:${planned.version} (identical content)`
      : `register model azureml:${planned.name}:${planned.version} from ${ref.path} (${planned.contentHash}; not uploaded in a dry run)`;
    addFacts(section, fact('Model', planLine));
    const model: ModelRef = planned.reused
      ? { kind: 'version', name: planned.name, version: planned.version }
      : { kind: 'arm-id', id: assetVersionId(ws.path, 'models', planned.name, planned.version) };
    return { model, planLine };
  }
  await opts.precheck();
  const registered = await registry.register(spec, { dedupe: true, followSymlinks: opts.followSymlinks });
  const model: ModelRef = { kind: 'version', name: registered.name, version: registered.version };
  addFacts(section, fact('Model', refText(model), { code: true }));
  return { model };
}

/** The facts a deploy section opens with: what kind of endpoint, the workspace and the endpoint, linked. */
export function workspaceFacts(
  section: ReportSection,
  ws: AzureWorkspace,
  endpoint: { name: string; kind: StudioEndpointKind; target: string },
  tenantId: string | undefined,
): void {
  const studio = { ...ws.ref, armEndpoint: ws.client.baseUrl, ...(tenantId ? { tenantId } : {}) };
  addFacts(
    section,
    fact('Target', endpoint.target),
    fact('Workspace', `${ws.ref.workspaceName} (${ws.ref.resourceGroup})`, {
      href: studioWorkspaceUrl(studio),
    }),
    fact('Endpoint', endpoint.name, { href: studioEndpointUrl(studio, endpoint.name, endpoint.kind) }),
  );
}

export function refText(ref: ModelRef): string {
  switch (ref.kind) {
    case 'version':
      return `azureml:${ref.name}:${ref.version}`;
    case 'latest':
      return `azureml:${ref.name}@latest`;
    case 'arm-id':
      return ref.id;
    case 'registry':
      return ref.uri;
    case 'path':
      return ref.path;
  }
}
