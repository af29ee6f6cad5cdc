// Reading the hosting process's log file: the tail for reports, and one sentence saying why it failed.

import { open, stat } from 'node:fs/promises';

/** Size of the log file now (0 when missing): where a new process's output will start. */
export async function logSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

/** Text of the log from byte `from` on, at most the last maxBytes of it. */
export async function readLogSince(path: string, from = 0, maxBytes = 256 * 1024): Promise<string> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
  try {
    const size = (await handle.stat()).size;
    const start = Math.max(from, size - maxBytes, 0);
    const buffer = Buffer.alloc(Math.max(0, size - start));
    await handle.read(buffer, 0, buffer.length, start);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}

/** The last `lines` lines of text, without a trailing empty line. */
export function tailLines(text: string, lines = 50): string {
  const all = text.replace(/\s+$/, '').split(/\r?\n/);
  return all.slice(-lines).join('\n');
}

const HOST_PREFIX = 'azureml-local-host: ';
// `ValueError: ...`, `json.decoder.JSONDecodeError: ...`, `FileNotFoundError: ...`, `KeyboardInterrupt`
const EXCEPTION_LINE = /^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Failure))(?::\s.*)?$/;

/** The line host.py printed about the failure, else the last Python exception line in the log. */
export function findFailureReason(logText: string): string | undefined {
  const lines = logText.split(/\r?\n/).map((l) => l.trimEnd());
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    const at = line.indexOf(HOST_PREFIX);
    if (at >= 0) {
      const said = line.slice(at + HOST_PREFIX.length);
      if (
        said.startsWith('init() failed:') ||
        said.startsWith('import failed:') ||
        said.startsWith('port ') ||
        said.startsWith('cannot listen')
      ) {
        return said;
      }
    }
  }
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (EXCEPTION_LINE.test(line)) return line;
  }
  return undefined;
}
