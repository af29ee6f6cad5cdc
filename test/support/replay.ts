// Serves a recorded transcript (AZUREML_DEPLOY_RECORD, src/azure/recorder.ts) back over HTTP, so a run
// recorded against Azure (or the fake) becomes a regression test: point arm-endpoint and authority-host at
// `url`, and every host the transcript talked to (ARM, Entra, storage, scoring) is rewritten to this server in
// the answers it serves, so the code under test follows them here.
//
//   const replay = await startReplay(t, 'test/fixtures/replay/pipeline.jsonl');           // by method + path
//   const strict = await startReplay(t, file, { mode: 'order' });                          // exactly in order
//
// `method-path` (default): each method + path (GUIDs generalized) has its own queue of answers in recorded order; when it runs dry
// the last answer repeats (a run may poll a few times more or less). `order`: the next line must match the
// request's method and path, else the server answers 599 and `mismatches` says what differed.

import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import type { RecordedExchange } from '../../src/azure/recorder.ts';

export interface ReplayOptions {
  mode?: 'method-path' | 'order';
  /** Extra rewriting of served text (e.g. a live datastore's `"protocol": "https"`). */
  rewrite?: (text: string) => string;
}

export interface Replay {
  url: string;
  /** Requests served, in order: `METHOD /path`. */
  served: string[];
  /** Requests no recorded exchange answered. */
  mismatches: string[];
  /** Recorded exchanges never served (method-path mode: queues not drained). */
  unused(): string[];
}

export function readTranscript(file: string): RecordedExchange[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as RecordedExchange)
    .filter((e) => e.status !== undefined);
}

/** Method + path, with GUIDs (upload folders, operation ids) generalized: they differ from run to run. */
const keyOf = (method: string, url: URL) =>
  `${method.toUpperCase()} ${decodeURIComponent(url.pathname).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '{guid}')}`;

export async function startReplay(
  t: TestContext,
  file: string,
  options: ReplayOptions = {},
): Promise<Replay> {
  const exchanges = readTranscript(file);
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  // Every host the transcript talked to becomes this server.
  const hosts = [...new Set(exchanges.map((e) => new URL(e.url).host))].sort((a, b) => b.length - a.length);
  const here = new URL(url).host;
  const rewrite = (text: string): string => {
    let out = text;
    for (const host of hosts) {
      out = out.split(`https://${host}`).join(url).split(`http://${host}`).join(url).split(host).join(here);
    }
    return options.rewrite ? options.rewrite(out) : out;
  };

  const queues = new Map<string, { list: RecordedExchange[]; next: number }>();
  for (const e of exchanges) {
    const key = keyOf(e.method, new URL(e.url));
    const queue = queues.get(key) ?? { list: [], next: 0 };
    queue.list.push(e);
    queues.set(key, queue);
  }
  let cursor = 0;
  const served: string[] = [];
  const mismatches: string[] = [];

  const pick = (key: string): RecordedExchange | undefined => {
    if (options.mode === 'order') {
      const e = exchanges[cursor];
      if (!e || keyOf(e.method, new URL(e.url)) !== key) return undefined;
      cursor++;
      return e;
    }
    const queue = queues.get(key);
    if (!queue) return undefined;
    const e = queue.list[Math.min(queue.next, queue.list.length - 1)];
    queue.next++;
    return e;
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      const key = keyOf(req.method ?? 'GET', new URL(req.url ?? '/', url));
      const e = pick(key);
      if (!e) {
        mismatches.push(key);
        res.writeHead(599, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ error: { code: 'ReplayMismatch', message: `no recorded answer for ${key}` } }),
        );
        return;
      }
      served.push(key);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(e.responseHeaders ?? {})) {
        if (/^(content-length|transfer-encoding|connection|keep-alive|content-encoding|date)$/i.test(name))
          continue;
        headers[name] = rewrite(value);
      }
      const payload = bodyText(e.responseBody, rewrite);
      headers['content-length'] = String(payload.length);
      res.writeHead(e.status ?? 500, headers);
      res.end(payload);
    });
  });

  return {
    url,
    served,
    mismatches,
    unused: () =>
      options.mode === 'order'
        ? exchanges.slice(cursor).map((e) => keyOf(e.method, new URL(e.url)))
        : [...queues].filter(([, q]) => q.next < q.list.length).map(([k]) => k),
  };
}

function bodyText(body: unknown, rewrite: (text: string) => string): Buffer {
  if (body === undefined || body === null || typeof body !== 'object') return Buffer.alloc(0);
  const b = body as {
    json?: unknown;
    text?: string;
    form?: Record<string, string>;
    bytes?: number | 'unknown';
  };
  if ('json' in b) return Buffer.from(rewrite(JSON.stringify(b.json)));
  if (typeof b.text === 'string') return Buffer.from(rewrite(b.text));
  if (b.form) return Buffer.from(new URLSearchParams(b.form).toString());
  if (typeof b.bytes === 'number') return Buffer.alloc(b.bytes);
  return Buffer.alloc(0);
}
