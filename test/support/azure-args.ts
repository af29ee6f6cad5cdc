// The inputs that point an action at the fake Azure exactly as at Azure: endpoints, a service principal, the
// workspace.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import type { FakeAzure } from './fake-azure/index.ts';

export function azureArgs(fake: FakeAzure): string[] {
  return [
    `--arm-endpoint=${fake.url}`,
    `--authority-host=${fake.authorityHost}`,
    `--client-id=${fake.clientId}`,
    `--tenant-id=${fake.tenantId}`,
    `--client-secret=${fake.clientSecret}`,
    `--subscription-id=${fake.workspace.subscriptionId}`,
    `--resource-group=${fake.workspace.resourceGroup}`,
    `--workspace-name=${fake.workspace.workspaceName}`,
  ];
}

export interface ScoringCall {
  deployment: string | undefined;
  auth: string | undefined;
}

/** A scoring service on loopback answering the demo model's prediction; records who called with what. */
export async function startScoringService(t: TestContext): Promise<{ url: string; calls: ScoringCall[] }> {
  const calls: ScoringCall[] = [];
  const server = http.createServer((req, res) => {
    calls.push({
      deployment: req.headers['azureml-model-deployment'] as string | undefined,
      auth: req.headers.authorization,
    });
    req.resume();
    req.on('end', () => {
      res.statusCode = req.headers.authorization?.startsWith('Bearer ') ? 200 : 401;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ predictions: [4.75, 8.5] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/score`, calls };
}
