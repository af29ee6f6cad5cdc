// Signals and liveness for the detached hosting processes. Each host runs as the leader of its own
// process group (spawned with detached: true), so signalling -pid reaches anything it started too.

import { readFileSync } from 'node:fs';
import type { Clock } from '../../clock.ts';

interface ProcStat {
  state: string;
  processGroup: number;
  startTime: number;
}

/** /proc/<pid>/stat on Linux; undefined elsewhere or when the process is gone. */
function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may contain spaces: split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const [state, , processGroup] = fields;
  const startTime = fields[19];
  if (!state || !processGroup || !startTime) return undefined;
  return { state, processGroup: Number(processGroup), startTime: Number(startTime) };
}

/** The process's start time (clock ticks since boot) on Linux: with the pid it names one process for good. */
export function processStartTime(pid: number): number | undefined {
  return readProcStat(pid)?.startTime;
}

/** True while the process exists and is not a zombie (an exited child nobody has reaped yet). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = readProcStat(pid);
  return stat === undefined ? true : stat.state !== 'Z' && stat.state !== 'X';
}

/** Alive and, where /proc tells, still the process that was recorded (not a later one given the same pid). */
export function isRecordedProcessAlive(pid: number, recordedStartTime: number | undefined): boolean {
  if (!isProcessAlive(pid)) return false;
  if (recordedStartTime === undefined) return true;
  const now = processStartTime(pid);
  return now === undefined || now === recordedStartTime;
}

/** Sends signal to the process group led by pid (falling back to the process); a missing group is fine. */
export function signalProcessGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** Polls until the process is gone or timeoutMs passed; true when it is gone. */
export async function waitForProcessExit(
  pid: number,
  clock: Clock,
  timeoutMs: number,
  pollMs = 50,
): Promise<boolean> {
  const until = clock.now() + timeoutMs;
  while (isProcessAlive(pid)) {
    if (clock.now() >= until) return false;
    await clock.sleep(pollMs);
  }
  return true;
}

/**
 * SIGTERM to the group, up to graceMs for the leader to exit, then SIGKILL to whatever is left of the
 * group. Returns true when the process was alive when asked.
 */
export async function terminateProcessGroup(
  pid: number,
  clock: Clock,
  graceMs = 5000,
  recordedStartTime?: number,
): Promise<boolean> {
  if (!isRecordedProcessAlive(pid, recordedStartTime)) return false;
  signalProcessGroup(pid, 'SIGTERM');
  if (!(await waitForProcessExit(pid, clock, graceMs))) {
    signalProcessGroup(pid, 'SIGKILL');
    await waitForProcessExit(pid, clock, 2000);
  } else {
    // The leader is gone; children it left behind in its group get no second chance.
    signalProcessGroup(pid, 'SIGKILL');
  }
  return true;
}

/** GET http://host:port/ answered 200 within timeoutMs (the azmlinfsrv liveness route). */
export async function probeLiveness(host: string, port: number, timeoutMs: number): Promise<boolean> {
  // Imported here: an ESM import of node:http evaluates its lazy getters, which loads Node's own undici
  // (~25 ms of every action's start-up), and only deploys and status checks need it.
  const { request } = await import('node:http');
  return new Promise((resolvePromise) => {
    const req = request(
      {
        host,
        port,
        path: '/',
        method: 'GET',
        agent: false,
        timeout: timeoutMs,
        headers: { Connection: 'close' },
      },
      (res) => {
        res.resume();
        resolvePromise(res.statusCode === 200);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolvePromise(false));
    req.end();
  });
}
