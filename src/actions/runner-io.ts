// ActionIO over @actions/core: what the actions use on a GitHub runner.

import * as core from '@actions/core';
import type { ActionIO } from '../io/action-io.ts';
import { SecretSet } from '../io/redact.ts';
import type { Annotation } from '../log.ts';

function props(where?: Annotation): core.AnnotationProperties | undefined {
  if (!where) return undefined;
  return {
    ...(where.file ? { file: where.file } : {}),
    ...(where.line ? { startLine: where.line } : {}),
    ...(where.column ? { startColumn: where.column } : {}),
    ...(where.title ? { title: where.title } : {}),
  };
}

export function runnerIO(): ActionIO {
  // The runner masks what is printed; files the run writes (the job summary among them) are redacted here,
  // as the CLI's --summary-file is.
  const secrets = new SecretSet();
  return {
    getInput(name) {
      const v = core.getInput(name);
      return v === '' ? undefined : v;
    },
    setOutput: (name, value) => core.setOutput(name, value),
    setSecret(value) {
      secrets.add(value);
      core.setSecret(value);
    },
    redact: (text) => secrets.redact(text),
    async writeSummary(markdown) {
      if (!process.env['GITHUB_STEP_SUMMARY']) {
        core.info(markdown);
        return;
      }
      await core.summary.addRaw(secrets.redact(markdown), true).write();
    },
    saveState: (name, value) => core.saveState(name, value),
    getState(name) {
      const v = core.getState(name);
      return v === '' ? undefined : v;
    },
    fail(message) {
      core.setFailed(message);
    },
    getIdToken: (audience) => core.getIDToken(audience),
    info: (m) => core.info(m),
    warn: (m, where) => core.warning(m, props(where)),
    error: (m, where) => core.error(m, props(where)),
    debug: (m) => core.debug(m),
    group: (title, fn) => core.group(title, fn),
  };
}
