// The seeded mutations of the config fuzz test (test/config/fuzz.test.ts), shared with bench/config-fuzz.mjs.

import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { readSourceFile, type SourceFile } from '../../src/config/source-file.ts';
import { deploymentConfigFromSource, loadV1DeploymentConfig } from '../../src/config/v1-deployment.ts';
import { inferenceConfigFromSource, loadV1InferenceConfig } from '../../src/config/v1-inference.ts';
import { deploymentFromSource, loadV2Deployment } from '../../src/config/v2-deployment.ts';
import { endpointFromSource, loadV2Endpoint } from '../../src/config/v2-endpoint.ts';
import { environmentFromSource, loadV2Environment } from '../../src/config/v2-environment.ts';
import { loadV2Model, modelFromSource } from '../../src/config/v2-model.ts';
import { loadWorkspaceConfig, workspaceFromSource } from '../../src/config/workspace-config.ts';

/** A loader by file, and the same loader for text already parsed (as if read from that file). */
export interface Loader {
  name: string;
  fromFile: (file: string) => unknown;
  fromSource: (source: SourceFile) => unknown;
}

export const LOADERS: Record<string, Loader> = {
  endpoint: { name: 'endpoint', fromFile: loadV2Endpoint, fromSource: endpointFromSource },
  deployment: { name: 'deployment', fromFile: loadV2Deployment, fromSource: deploymentFromSource },
  model: { name: 'model', fromFile: loadV2Model, fromSource: modelFromSource },
  environment: { name: 'environment', fromFile: loadV2Environment, fromSource: environmentFromSource },
  inference: { name: 'inference', fromFile: loadV1InferenceConfig, fromSource: inferenceConfigFromSource },
  deploymentConfig: {
    name: 'deploymentConfig',
    fromFile: loadV1DeploymentConfig,
    fromSource: deploymentConfigFromSource,
  },
  workspace: { name: 'workspace', fromFile: loadWorkspaceConfig, fromSource: workspaceFromSource },
  source: { name: 'source', fromFile: readSourceFile, fromSource: (source) => source.value },
};

/** The loader a fixture is meant for, by its name. */
export function loaderFor(relative: string): Loader {
  const name = path.basename(relative);
  if (relative.startsWith('workspace/')) return LOADERS['workspace'] as Loader;
  if (/conda/.test(name)) return LOADERS['source'] as Loader;
  if (/inference/.test(name)) return LOADERS['inference'] as Loader;
  if (relative.startsWith('v1/') || /deploymentconfig/.test(name))
    return LOADERS['deploymentConfig'] as Loader;
  if (/endpoint/.test(name)) return LOADERS['endpoint'] as Loader;
  if (/deployment/.test(name)) return LOADERS['deployment'] as Loader;
  if (/model/.test(name)) return LOADERS['model'] as Loader;
  if (/environment/.test(name)) return LOADERS['environment'] as Loader;
  return LOADERS['source'] as Loader;
}

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const SCALARS = [
  '',
  '~',
  'null',
  '123',
  '-1',
  '0',
  '1.5',
  '1e3',
  '.inf',
  '.nan',
  'true',
  'off',
  'yes',
  '0777',
  '0x1F',
  '1:30',
  '2024-01-01',
  '2024-02-30',
  '[1, 2]',
  '{a: 1}',
  '"x"',
  "'unterminated",
  '&anchor x',
  '*nope',
  '!!binary aGVsbG8=',
  '!!int x',
  '!!float abc',
  '!foo bar',
  '|',
  '>-',
  'azureml:',
  'azureml:x',
  'azureml:x@prod',
  'azureml://registries/',
  'azureml:/subscriptions/x',
  'file:',
  'file:missing.yml',
  'file:deployment.yml',
  './src',
  '..',
  '/',
  'Kubernetes',
  'kubernetes',
  'AMLToken',
  '"\\u0000"',
  'a'.repeat(300),
  '9'.repeat(400),
  '- a',
  '{',
  '[',
  '<<: *a',
  '"',
];

const NOISE = [
  '\u0000',
  '\u0001',
  '\u001b',
  '\t',
  '\r',
  '\n',
  '{',
  '}',
  '[',
  ']',
  ':',
  '-',
  '#',
  '&',
  '*',
  '!',
  '|',
  '>',
  '"',
  "'",
  '%',
  '@',
  '`',
  ',',
  '?',
  'é',
  '€',
  '😀',
  '\u202e',
  '\ufeff',
  '\ud800',
  '\u00a0',
];

export function mutate(text: string, random: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const lines = text.split('\n');
  const at = () => Math.floor(random() * lines.length);
  switch (Math.floor(random() * 7)) {
    case 0:
      lines.splice(at(), 1);
      return lines.join('\n');
    case 1: {
      const i = at();
      lines.splice(i, 0, lines[i] ?? '');
      return lines.join('\n');
    }
    case 2: {
      const i = at();
      const j = at();
      [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? ''];
      return lines.join('\n');
    }
    case 3: {
      const i = at();
      const line = lines[i] ?? '';
      const change = pick([' ', '  ', '    ', '\t', '-1', '-2']);
      lines[i] = change.startsWith('-')
        ? line.replace(new RegExp(`^ {0,${change.slice(1)}}`), '')
        : change + line;
      return lines.join('\n');
    }
    case 4: {
      // Replace the value of a `key: value` line (YAML or JSON) with a scalar of another type.
      const candidates = lines.map((line, i) => [line, i] as const).filter(([line]) => /:\s*\S/.test(line));
      if (candidates.length === 0) return `${text}${pick(SCALARS)}`;
      const [line, i] = pick(candidates);
      const json = /^\s*"[^"]*"\s*:/.test(line);
      const value = pick(SCALARS);
      lines[i] = line.replace(/:\s*(.*)$/, (_m, rest: string) =>
        json ? `: ${value}${rest.trimEnd().endsWith(',') ? ',' : ''}` : `: ${value}`,
      );
      return lines.join('\n');
    }
    case 5: {
      const offset = Math.floor(random() * (text.length + 1));
      let noise = '';
      for (let n = 1 + Math.floor(random() * 4); n > 0; n--) {
        noise += random() < 0.8 ? pick(NOISE) : String.fromCharCode(Math.floor(random() * 0x3000));
      }
      return text.slice(0, offset) + noise + text.slice(offset);
    }
    default:
      return text.slice(0, Math.floor(random() * text.length));
  }
}

export async function configFiles(root: string, under = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(root, under), { withFileTypes: true })) {
    const relative = path.join(under, entry.name);
    if (entry.isDirectory()) out.push(...(await configFiles(root, relative)));
    else if (/\.(ya?ml|json)$/.test(entry.name)) out.push(relative);
  }
  return out.sort();
}
