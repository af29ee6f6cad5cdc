// BatchEndpointSpec → the batch endpoint PUT body (yaml reference §2.5, BatchEndpoint_CreateOrUpdate example):
// `{location, properties: {authMode, description?, properties, defaults?}, tags}`. No identity (az ml sends
// none for batch endpoints); authMode in the 2026-07-01 PascalCase spelling, as online bodies here are.

import type { BatchEndpointSpec } from '../../config/spec.ts';
import { AUTH_MODE } from './online-endpoint.ts';

export interface BatchEndpointBody {
  location: string;
  properties: {
    authMode: 'Key' | 'AMLToken' | 'AADToken';
    description?: string;
    properties: Record<string, string>;
    /** The deployment a job runs on when the invoke names none. */
    defaults?: { deploymentName?: string };
  };
  tags: Record<string, string>;
}

export function batchEndpointBody(
  spec: Pick<BatchEndpointSpec, 'authMode' | 'description' | 'tags' | 'properties'>,
  ctx: { location: string; defaultDeployment?: string | undefined },
): BatchEndpointBody {
  return {
    location: ctx.location,
    properties: {
      authMode: AUTH_MODE[spec.authMode],
      ...(spec.description !== undefined ? { description: spec.description } : {}),
      properties: { ...spec.properties },
      ...(ctx.defaultDeployment ? { defaults: { deploymentName: ctx.defaultDeployment } } : {}),
    },
    tags: { ...spec.tags },
  };
}
