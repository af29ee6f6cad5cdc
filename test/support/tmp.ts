// Temporary folders that tests create and always remove, stopping first any local service whose state lives
// in them (after-hooks run in the order they were added, so a test's own delete may come too late).

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';

export async function tempDir(t: TestContext, prefix = 'amld-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  t.after(async () => {
    await stopServicesUnder(dir);
    await rm(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Kills the process group of every local deployment recorded (`…/deployments/<name>/state.json`) under dir. */
async function stopServicesUnder(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir, { recursive: true });
  } catch {
    return;
  }
  for (const rel of entries) {
    if (!rel.endsWith(`${path.sep}state.json`) || !rel.includes(`deployments${path.sep}`)) continue;
    try {
      const { pid } = JSON.parse(await readFile(path.join(dir, rel), 'utf8')) as { pid?: number };
      if (typeof pid === 'number' && pid > 1) process.kill(-pid, 'SIGKILL');
    } catch {
      // gone already, or not a state file
    }
  }
}
