// Where to score a local endpoint: the named deployment, else the one with the most traffic (as an
// endpoint's traffic split would pick), else the only one.

import { UsageError } from '../../errors.ts';
import type { ScoringQuery, ScoringService } from '../target.ts';
import { listLocalDeployments } from './local-service.ts';
import { readEndpointState } from './service-state.ts';

export async function localScoring(localDir: string, query: ScoringQuery): Promise<ScoringService> {
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
  return {
    scoringUri: chosen.state.scoringUri,
    headers: {},
    label: `${endpoint}/${chosen.state.deploymentName} (local)`,
  };
}
