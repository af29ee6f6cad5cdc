import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { test } from 'node:test';
import { ArmClient } from '../../src/azure/arm-client.ts';
import { createDispatcher } from '../../src/azure/http-dispatcher.ts';
import { fakeClock } from '../../src/clock.ts';
import { startFakeAzure } from '../support/fake-azure/index.ts';

/** A tiny HTTP CONNECT proxy on 127.0.0.1 that records the targets it tunnels to. */
async function startProxy(t: import('node:test').TestContext) {
  const tunnels: string[] = [];
  const server = createServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req, clientSocket, head) => {
    tunnels.push(req.url ?? '');
    const [host = '', port = ''] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      clientSocket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(clientSocket);
      clientSocket.pipe(upstream);
    });
    const close = () => {
      upstream.destroy();
      clientSocket.destroy();
    };
    upstream.on('error', close);
    clientSocket.on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url, tunnels };
}

test('HTTP_PROXY sends ARM traffic through the proxy; NO_PROXY and no proxy go direct', async (t) => {
  const clock = fakeClock();
  const fake = await startFakeAzure({ clock });
  t.after(() => fake.close());
  const proxy = await startProxy(t);
  const target = new URL(fake.url).host;

  const viaProxy = createDispatcher({ HTTP_PROXY: proxy.url });
  t.after(() => viaProxy.close());
  const client = new ArmClient({
    baseUrl: fake.url,
    credential: fake.credential(),
    dispatcher: viaProxy,
    clock,
  });
  assert.equal((await client.get(fake.workspacePath)).status, 200);
  assert.deepEqual(proxy.tunnels, [target]);
  assert.equal(fake.requests.length, 1);

  const bypass = createDispatcher({ HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' });
  t.after(() => bypass.close());
  const direct = new ArmClient({
    baseUrl: fake.url,
    credential: fake.credential(),
    dispatcher: bypass,
    clock,
  });
  assert.equal((await direct.get(fake.workspacePath)).status, 200);

  const plain = createDispatcher({});
  t.after(() => plain.close());
  const noProxy = new ArmClient({
    baseUrl: fake.url,
    credential: fake.credential(),
    dispatcher: plain,
    clock,
  });
  assert.equal((await noProxy.get(fake.workspacePath)).status, 200);

  assert.deepEqual(proxy.tunnels, [target], 'only the first client used the proxy');
  assert.equal(fake.requests.length, 3);
});
