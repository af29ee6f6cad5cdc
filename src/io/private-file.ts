// Files the toolkit writes for people and artifacts (container logs, transcripts): readable by the owner only.

import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Owner read/write only: logs and transcripts may quote what a model or service echoed. */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Writes text to file with mode 0600, creating its folder (0700 when new). A file that already existed keeps
 * no looser mode: writeFile's mode applies only on creation, so the mode is set again.
 */
export async function writePrivateFile(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, text, { mode: PRIVATE_FILE_MODE });
  await chmod(file, PRIVATE_FILE_MODE);
}
