// Container logs of an online deployment (POST getLogs, safe to repeat): the inference server's (score.py
// init/run output) and the storage initializer's (model and code download problems).

import type { AzureWorkspace } from '../../azure/workspace.ts';
import { errorMessage } from '../../errors.ts';
import { deploymentPath } from './online-resources.ts';

export interface DeploymentLogs {
  inferenceServer?: string;
  storageInitializer?: string;
  /** Why a container's logs could not be read (logs exist only once containers started). */
  unavailable: string[];
}

export async function fetchDeploymentLogs(
  ws: AzureWorkspace,
  endpointName: string,
  deploymentName: string,
  opts: { tail?: number; signal?: AbortSignal; deadline?: number } = {},
): Promise<DeploymentLogs> {
  const logs: DeploymentLogs = { unavailable: [] };
  const path = `${deploymentPath(ws, endpointName, deploymentName)}/getLogs`;
  for (const containerType of ['InferenceServer', 'StorageInitializer'] as const) {
    try {
      const res = await ws.client.post<{ content?: string }>(path, {
        body: { containerType, tail: opts.tail ?? 200 },
        idempotent: true,
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.deadline !== undefined ? { deadline: opts.deadline } : {}),
      });
      const content = res.body?.content ?? '';
      if (containerType === 'InferenceServer') logs.inferenceServer = content;
      else logs.storageInitializer = content;
    } catch (error) {
      logs.unavailable.push(`${containerType}: ${errorMessage(error)}`);
    }
  }
  return logs;
}

/** The logs as one text, for the logs file and the job summary. */
export function formatDeploymentLogs(logs: DeploymentLogs): string {
  const sections: string[] = [];
  if (logs.storageInitializer)
    sections.push(`=== StorageInitializer ===\n${logs.storageInitializer.trimEnd()}`);
  if (logs.inferenceServer) sections.push(`=== InferenceServer ===\n${logs.inferenceServer.trimEnd()}`);
  for (const line of logs.unavailable) sections.push(`=== ${line}`);
  return `${sections.join('\n\n')}\n`;
}
