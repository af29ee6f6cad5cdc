// `{pr}` and `{repo-hash}` in endpoint names, for one preview endpoint per pull request. Endpoint names
// are unique per Azure region, so the repository hash keeps two repositories' `pr-12` apart.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UsageError } from '../../errors.ts';

export function expandEndpointName(template: string, env: NodeJS.ProcessEnv): string {
  if (!template.includes('{')) return template;
  let out = template;
  if (out.includes('{pr}')) {
    const pr = pullRequestNumber(env);
    if (pr === undefined) {
      throw new UsageError(
        `'${template}' uses {pr}, but this run is not for a pull request (no pull_request event, no refs/pull/N ref)`,
        'endpoint-name',
      );
    }
    out = out.replaceAll('{pr}', String(pr));
  }
  if (out.includes('{repo-hash}')) {
    const repo = env['GITHUB_REPOSITORY'];
    if (!repo)
      throw new UsageError(
        `'${template}' uses {repo-hash}, but GITHUB_REPOSITORY is not set`,
        'endpoint-name',
      );
    out = out.replaceAll('{repo-hash}', repoHash(repo));
  }
  const unknown = out.match(/\{[^}]*\}/);
  if (unknown) {
    throw new UsageError(
      `unknown placeholder ${unknown[0]} in '${template}' (known: {pr}, {repo-hash})`,
      'endpoint-name',
    );
  }
  return out;
}

export function repoHash(repository: string): string {
  return createHash('sha256').update(repository.toLowerCase()).digest('hex').slice(0, 6);
}

function pullRequestNumber(env: NodeJS.ProcessEnv): number | undefined {
  const eventPath = env['GITHUB_EVENT_PATH'];
  if (eventPath) {
    try {
      const event = JSON.parse(readFileSync(eventPath, 'utf8')) as {
        pull_request?: { number?: number };
        number?: number;
      };
      const n = event.pull_request?.number ?? (event.pull_request ? event.number : undefined);
      if (typeof n === 'number') return n;
    } catch {
      // fall back to the ref
    }
  }
  const m = /^refs\/pull\/(\d+)\//.exec(env['GITHUB_REF'] ?? '');
  return m ? Number(m[1]) : undefined;
}
