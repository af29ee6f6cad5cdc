// Temp trees of config files for the loader tests (removed after each test).

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { ConfigError } from '../../src/errors.ts';

export const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/config');

/** Writes files (relative path → content) into a fresh temp folder and returns its path. */
export async function tempTree(t: TestContext, files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'azureml-config-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(dir, relative);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
  return dir;
}

/** Runs fn, which must throw a ConfigError, and returns it. */
export function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  assert.fail('expected a ConfigError');
}

export const SCORE_PY = 'def init():\n    pass\n\n\ndef run(raw):\n    return raw\n';
