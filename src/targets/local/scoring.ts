// Where to score a local endpoint: the named deployment, else the one with the most traffic (as an
// endpoint's traffic split would pick), else the only one; with key auth, the endpoint's key as the
// Authorization header (as the Azure target gets it from listKeys), registered as a secret first.

import { ActionFailure, UsageError } from '../../errors.ts';
import type { ScoringQuery, ScoringService } from '../target.ts';
import { endpointKeyPath, readEndpointKey } from './endpoint-key.ts';
import { listLocalDeployments } from './local-service.ts';
import { readEndpointState } from './service-state.ts';

export async function localScoring(
  localDir: string,
  query: ScoringQuery,
  secrets: { setSecret(value: string): void },
): Promise<ScoringService> {
  const endpoint = query.endpointName;
  const deployments = await listLocalDeployments(localDir, endpoint);
  if (deployments.length === 0) {
    throw new UsageError(
      `no local endpoint '${endpoint}' in ${localDir} (deploy it first with target: local)`,
      'endpoint-name',
    );
  }
  const wanted = query.deploymentName?.toLowerCase();
  let chosen = wanted ? deployments.find((d) => d.state.deploymentName === wanted) : undefined;
  if (wanted && !chosen) {
    throw new UsageError(
      `endpoint '${endpoint}' has no deployment '${query.deploymentName}' (it has ${deployments.map((d) => d.state.deploymentName).join(', ')})`,
      'deployment-name',
    );
  }
  if (!chosen) {
    const traffic = (await readEndpointState(localDir, endpoint))?.traffic ?? {};
    chosen = [...deployments].sort(
      (a, b) => (traffic[b.state.deploymentName] ?? 0) - (traffic[a.state.deploymentName] ?? 0),
    )[0]!;
  }
  const label = `${endpoint}/${chosen.state.deploymentName} (local)`;
  if (chosen.state.auth !== 'key' || query.auth === 'none' || !query.lookUpCredentials) {
    return { scoringUri: chosen.state.scoringUri, headers: {}, label };
  }
  const key = await readEndpointKey(localDir, endpoint);
  if (!key) {
    throw new ActionFailure(
      `local endpoint '${endpoint}' uses key auth but its key file ${endpointKeyPath(localDir, endpoint)} is gone; redeploy it to get a new key`,
    );
  }
  secrets.setSecret(key);
  return { scoringUri: chosen.state.scoringUri, headers: { authorization: `Bearer ${key}` }, label };
}
