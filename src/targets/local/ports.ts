// Loopback port checks for the local target.

import { createServer } from 'node:net';
import { UsageError } from '../../errors.ts';

/** Listens on host:port and closes again; resolves the bound port, rejects with the listen error. */
function bindOnce(host: string, port: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      server.close(() => resolvePort(bound));
    });
  });
}

/** A port the OS reports free on host now (another process may still take it before we do). */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return bindOnce(host, 0);
}

/** Throws a UsageError naming the port (input `port`) when something already listens on it. */
export async function assertPortFree(port: number, host = '127.0.0.1'): Promise<void> {
  try {
    await bindOnce(host, port);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`port ${port} is already in use on ${host}`, 'port');
    if (code === 'EACCES')
      throw new UsageError(`port ${port} on ${host} needs privileges this process lacks`, 'port');
    throw err;
  }
}
