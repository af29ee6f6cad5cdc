// ActionIO for the CLI contract: logs to stderr, summary to --summary-file / $GITHUB_STEP_SUMMARY / stderr,
// outputs last on stdout as name=value, everything redacted.

import { appendFile } from 'node:fs/promises';
import { UsageError } from '../errors.ts';
import type { ActionIO } from '../io/action-io.ts';
import { SecretSet } from '../io/redact.ts';
import type { Annotation } from '../log.ts';

export interface CliStreams {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export interface CliIO extends ActionIO {
  /** Prints the summary (when it goes to stderr) and the outputs; call once at the end. */
  flush(): Promise<void>;
  readonly exitCode: 0 | 1 | 2;
  readonly secrets: SecretSet;
}

export function createCliIO(opts: {
  read: (name: string) => string | undefined;
  streams: CliStreams;
  summaryFile?: string;
  env: NodeJS.ProcessEnv;
  debug?: boolean;
}): CliIO {
  const secrets = new SecretSet();
  // In a job, the CLI may ask GitHub for ID tokens with this one: it is masked like any secret.
  const idTokenRequestToken = opts.env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'];
  if (idTokenRequestToken) secrets.add(idTokenRequestToken);
  const outputs = new Map<string, string>();
  const state = new Map<string, string>();
  const summaryParts: string[] = [];
  let exitCode: 0 | 1 | 2 = 0;
  let depth = 0;
  const summaryTarget = opts.summaryFile ?? opts.env['GITHUB_STEP_SUMMARY'];
  const debugOn =
    opts.debug ?? (opts.env['RUNNER_DEBUG'] === '1' || opts.env['ACTIONS_STEP_DEBUG'] === 'true');

  const line = (text: string) => {
    const indent = '  '.repeat(depth);
    const body = secrets
      .redact(text)
      .split('\n')
      .map((l) => indent + l)
      .join('\n');
    opts.streams.stderr.write(`${body}\n`);
  };
  const where = (w?: Annotation) =>
    w?.file ? `${w.file}${w.line ? `:${w.line}${w.column ? `:${w.column}` : ''}` : ''}: ` : '';

  return {
    secrets,
    get exitCode() {
      return exitCode;
    },
    getInput: (name) => {
      const v = opts.read(name);
      return v === undefined || v === '' ? undefined : v;
    },
    setOutput: (name, value) => void outputs.set(name, value),
    setSecret: (value) => secrets.add(value),
    redact: (text) => secrets.redact(text),
    async writeSummary(markdown) {
      if (summaryTarget) await appendFile(summaryTarget, `${secrets.redact(markdown)}\n`, { mode: 0o600 });
      else summaryParts.push(markdown);
    },
    saveState: (name, value) => void state.set(name, value),
    getState: (name) => state.get(name),
    fail(message, code) {
      exitCode = code;
      line(`error: ${message}`);
    },
    async getIdToken(audience) {
      const url = opts.env['ACTIONS_ID_TOKEN_REQUEST_URL'];
      const requestToken = opts.env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'];
      if (!url || !requestToken) {
        throw new UsageError(
          'a GitHub OIDC ID token exists only inside a GitHub Actions job with `permissions: id-token: write` ' +
            '(ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set); ' +
            'outside GitHub use client-secret, AZURE_FEDERATED_TOKEN_FILE or an `az login` session',
          'client-id',
        );
      }
      // A new token on every call, as core.getIDToken: each Entra exchange gets a fresh assertion.
      const { requestGithubIdToken } = await import('./github-id-token.ts');
      const idToken = await requestGithubIdToken({ url, requestToken, audience, env: opts.env });
      secrets.add(idToken);
      return idToken;
    },
    info: (m) => line(m),
    warn: (m, w) => line(`warning: ${where(w)}${m}`),
    error: (m, w) => {
      // A failing action's message is printed by fail(), and a ConfigError's message already starts with
      // file:line, so an annotation that repeats it adds nothing on a terminal.
      if (w?.file && m.includes(w.file)) return;
      line(`error: ${where(w)}${m}`);
    },
    debug: (m) => {
      if (debugOn) line(`debug: ${m}`);
    },
    async group(title, fn) {
      line(`▸ ${title}`);
      depth++;
      try {
        return await fn();
      } finally {
        depth--;
      }
    },
    async flush() {
      if (summaryParts.length > 0) {
        opts.streams.stderr.write(`\n${secrets.redact(summaryParts.join('\n'))}\n`);
      }
      for (const [name, value] of outputs) {
        const oneLine = value.includes('\n') ? JSON.stringify(value) : value;
        opts.streams.stdout.write(`${name}=${secrets.redact(oneLine)}\n`);
      }
    },
  };
}
