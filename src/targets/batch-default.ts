// What the `traffic` input means for a batch endpoint, on either target. A batch endpoint has no traffic
// split: a job runs on the endpoint's default deployment unless it names another (`azureml-model-deployment`).
// `all` makes the deployment the default; `none` leaves the default as it is. Not given: the endpoint file's
// `defaults.deployment_name` when it names another deployment, else `all` (az ml batch-deployment create
// --set-default, what a first deployment needs).

import { UsageError } from '../errors.ts';

export type BatchDefaultRule =
  /** This deployment becomes the default. */
  | { kind: 'this' }
  /** The default stays as it is (none on a new endpoint). */
  | { kind: 'keep' }
  /** The endpoint file names another deployment as the default. */
  | { kind: 'named'; name: string };

export function batchDefaultRule(
  traffic: string | undefined,
  names: { deployment: string; endpointFileDefault?: string | undefined },
): BatchDefaultRule {
  if (traffic === undefined) {
    const named = names.endpointFileDefault;
    return named && named !== names.deployment ? { kind: 'named', name: named } : { kind: 'this' };
  }
  const t = traffic.trim().toLowerCase();
  if (t === 'all') return { kind: 'this' };
  if (t === 'none') return { kind: 'keep' };
  throw new UsageError(
    `batch endpoints have no traffic split: 'all' makes the deployment the endpoint's default, 'none' leaves the default as it is (got '${traffic}')`,
    'traffic',
  );
}
