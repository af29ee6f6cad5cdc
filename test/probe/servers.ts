// Real scoring servers on 127.0.0.1 for the probe tests, closed by the test that starts them.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { Agent } from 'undici';

export interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export type Handler = (req: Received, res: http.ServerResponse, hit: number) => void | Promise<void>;

export interface TestServer {
  url: string;
  port: number;
  received: Received[];
  /** Most requests in flight at once. */
  maxInFlight: number;
}

/** Starts a server whose handler sees the whole request body; closed (with its sockets) after the test. */
export async function startServer(t: TestContext, handler: Handler): Promise<TestServer> {
  const state: TestServer = { url: '', port: 0, received: [], maxInFlight: 0 };
  let inFlight = 0;
  const server = http.createServer((req, res) => {
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    res.on('close', () => inFlight--);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      state.received.push(received);
      Promise.resolve(handler(received, res, state.received.length)).catch((err) => {
        res.statusCode = 599;
        res.end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  state.url = `http://127.0.0.1:${state.port}/score`;
  t.after(() => closeServer(server));
  return state;
}

export function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A fresh undici Agent for the test (no keep-alive sockets shared between tests). */
export function testAgent(t: TestContext): Agent {
  const agent = new Agent();
  t.after(() => agent.close());
  return agent;
}

export function json(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

/** A port that nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
