// Opens the target a run works on. "Which target" (ACTIONS.md): an explicit `target` wins; else a v1
// `computeType: local` means local; else a workspace known from inputs or a config file with all three keys
// means azureml; else local. This is the one place that looks at the kind.

import { existsSync } from 'node:fs';
import path from 'node:path';
import type { WorkspaceRef } from '../config/spec.ts';
import { UsageError } from '../errors.ts';
import type { AzureConnectionInputs } from './azureml/connect.ts';
import type { Target, TargetDeps, TargetKind } from './target.ts';

export interface TargetInputs {
  target: TargetKind | undefined;
  'workspace-config': string | undefined;
  'subscription-id': string | undefined;
  'resource-group': string | undefined;
  'workspace-name': string | undefined;
  'local-dir': string;
}

export type ResolvedTarget =
  | { kind: 'local'; localDir: string }
  | { kind: 'azureml'; workspace: WorkspaceRef; localDir: string };

export interface OpenTargetOptions {
  /** The action's time budget: Azure ML requests are not sent after it. */
  timeoutMinutes: number;
  /** What the config files imply (a v1 `computeType: local` or an AKS config). */
  hint?: TargetKind;
}

/** Resolves which target and opens it; the Azure stack loads only for Azure ML. */
export async function openTarget(
  inputs: TargetInputs & AzureConnectionInputs,
  deps: TargetDeps,
  opts: OpenTargetOptions,
): Promise<Target> {
  const resolved = await resolveTarget(inputs, deps.cwd, opts.hint);
  // Each target's code loads only when it is opened.
  if (resolved.kind === 'local') {
    const { openLocalTarget } = await import('./local/local-target.ts');
    return openLocalTarget(resolved.localDir, deps);
  }
  const { openAzureTarget } = await import('./azureml/azureml-target.ts');
  return openAzureTarget(
    {
      workspace: resolved.workspace,
      localDir: resolved.localDir,
      azure: inputs,
      timeoutMinutes: opts.timeoutMinutes,
    },
    deps,
  );
}

export async function resolveTarget(
  inputs: TargetInputs,
  cwd: string,
  hint?: TargetKind,
): Promise<ResolvedTarget> {
  const localDir = path.resolve(cwd, inputs['local-dir']);
  const workspace = await resolveWorkspace(inputs, cwd);
  const kind = inputs.target ?? hint ?? (workspace ? 'azureml' : 'local');
  if (kind === 'local') return { kind, localDir };
  if (!workspace) {
    throw new UsageError(
      'target azureml needs a workspace: give subscription-id, resource-group and workspace-name, or workspace-config',
      'target',
    );
  }
  return { kind, workspace, localDir };
}

async function resolveWorkspace(inputs: TargetInputs, cwd: string): Promise<WorkspaceRef | undefined> {
  const explicitFile = inputs['workspace-config'];
  const candidates = explicitFile
    ? []
    : ['.azureml/config.json', 'config.json'].map((f) => path.join(cwd, f));
  let fromFile: Partial<WorkspaceRef> = {};
  if (explicitFile || candidates.some((f) => existsSync(f))) {
    // The config loaders (yaml, zod) load only when there is a file to read, not on every action's start.
    const { findWorkspaceConfig, loadWorkspaceConfig } = await import('../config/workspace-config.ts');
    const file = explicitFile ? path.resolve(cwd, explicitFile) : findWorkspaceConfig(cwd);
    if (file) fromFile = loadWorkspaceConfig(file);
  }
  const ws = {
    subscriptionId: inputs['subscription-id'] ?? fromFile.subscriptionId,
    resourceGroup: inputs['resource-group'] ?? fromFile.resourceGroup,
    workspaceName: inputs['workspace-name'] ?? fromFile.workspaceName,
  };
  const given = Object.values(ws).filter((v) => v !== undefined).length;
  if (given === 3) return ws as WorkspaceRef;
  if (
    given > 0 &&
    (explicitFile || inputs['subscription-id'] || inputs['resource-group'] || inputs['workspace-name'])
  ) {
    const missing = [
      ws.subscriptionId ? undefined : 'subscription-id',
      ws.resourceGroup ? undefined : 'resource-group',
      ws.workspaceName ? undefined : 'workspace-name',
    ].filter(Boolean);
    throw new UsageError(`the workspace is incomplete: ${missing.join(', ')} missing`, missing[0]);
  }
  return undefined;
}
