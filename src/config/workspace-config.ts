// Azure ML workspace config.json (`az ml folder attach`, the portal's "download config.json"):
// subscription_id, resource_group, workspace_name. The camelCase spellings some tools write are accepted.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { addNote, isPlainObject } from './field-schemas.ts';
import { pathKind } from './local-paths.ts';
import { parseWithSchema } from './schema-issues.ts';
import { parseSourceText, readSourceFile, type SourceFile } from './source-file.ts';
import type { ConfigNote, WorkspaceRef } from './spec.ts';

const FIELDS = [
  ['subscription_id', 'subscriptionId', 'subscriptionId'],
  ['resource_group', 'resourceGroup', 'resourceGroup'],
  ['workspace_name', 'workspaceName', 'workspaceName'],
] as const;

const text = z.string().trim().min(1).optional();

/** Reads a workspace config.json; throws ConfigError when a key is missing or not a string. */
export function loadWorkspaceConfig(file: string, notes: ConfigNote[] = []): WorkspaceRef {
  return workspaceFromSource(readSourceFile(file), notes);
}

/** From an already parsed file. */
export function workspaceFromSource(source: SourceFile, notes: ConfigNote[] = []): WorkspaceRef {
  const ctx = { source, notes };
  const schema = z
    .object(
      Object.fromEntries(
        FIELDS.flatMap(([snake, camel]) => [
          [snake, text],
          [camel, text],
        ]),
      ),
    )
    .transform((raw, zctx): WorkspaceRef => {
      const out: Partial<WorkspaceRef> = {};
      for (const [snake, camel, field] of FIELDS) {
        const preferred = raw[snake];
        const other = raw[camel];
        if (preferred === undefined && other === undefined) {
          zctx.addIssue({ code: 'custom', path: [snake], message: 'is required' });
          continue;
        }
        if (preferred === undefined)
          addNote(ctx, 'info', [camel], `accepted as ${snake} (the Azure ML spelling)`);
        else if (other !== undefined && other !== preferred) {
          addNote(ctx, 'warning', [camel], `differs from ${snake}; ${snake} is used`);
        }
        out[field] = preferred ?? other;
      }
      return out as WorkspaceRef;
    });
  return parseWithSchema(schema, source);
}

/** A config.json in a project root is only taken for a workspace config when it has workspace keys. */
function looksLikeWorkspaceConfig(file: string): boolean {
  try {
    const value = parseSourceText(readFileSync(file, 'utf8'), file).value;
    return isPlainObject(value) && FIELDS.some(([snake, camel]) => snake in value || camel in value);
  } catch {
    return false;
  }
}

/** `.azureml/config.json`, else a workspace `config.json` in cwd; undefined when there is neither. */
export function findWorkspaceConfig(cwd: string): string | undefined {
  const dotAzureml = path.join(cwd, '.azureml', 'config.json');
  if (pathKind(dotAzureml) === 'file') return dotAzureml;
  const plain = path.join(cwd, 'config.json');
  return pathKind(plain) === 'file' && looksLikeWorkspaceConfig(plain) ? plain : undefined;
}
