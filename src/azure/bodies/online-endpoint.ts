// EndpointSpec → the online endpoint PUT body (yaml reference §2.1/§2.2, example 3): identity defaults to
// SystemAssigned, traffic and mirror maps always present with 0 entries removed, enums in the 2026-07-01
// PascalCase spelling, Kubernetes endpoints carry the ARM id of their compute.

import type { AuthMode, EndpointSpec } from '../../config/spec.ts';
import { computeId } from './arm-ids.ts';
import type { IdentityBody, OnlineEndpointBody, TrafficMap } from './types.ts';

export const AUTH_MODE: Record<AuthMode, OnlineEndpointBody['properties']['authMode']> = {
  key: 'Key',
  aml_token: 'AMLToken',
  aad_token: 'AADToken',
};

export interface EndpointBodyContext {
  /** The workspace's location (the SDK ignores the YAML's). */
  location: string;
  workspacePath: string;
  /** Default: the spec's `traffic` (0 entries removed). */
  traffic?: TrafficMap;
  mirrorTraffic?: TrafficMap;
}

export function onlineEndpointBody(spec: EndpointSpec, ctx: EndpointBodyContext): OnlineEndpointBody {
  const properties: OnlineEndpointBody['properties'] = {
    authMode: AUTH_MODE[spec.authMode],
    properties: { ...spec.properties },
    traffic: withoutZeros(ctx.traffic ?? spec.traffic ?? {}),
    mirrorTraffic: withoutZeros(ctx.mirrorTraffic ?? spec.mirrorTraffic ?? {}),
  };
  if (spec.description !== undefined) properties.description = spec.description;
  if (spec.publicNetworkAccess !== undefined) {
    properties.publicNetworkAccess = spec.publicNetworkAccess === 'enabled' ? 'Enabled' : 'Disabled';
  }
  if (spec.computeKind === 'kubernetes' && spec.compute) {
    properties.compute = computeId(ctx.workspacePath, spec.compute);
  }
  return {
    identity: identityBody(spec.identity),
    location: ctx.location,
    properties,
    tags: { ...spec.tags },
  };
}

export function identityBody(identity: EndpointSpec['identity']): IdentityBody {
  if (!identity || identity.type === 'system_assigned') return { type: 'SystemAssigned' };
  if (identity.type === 'none') return { type: 'None' };
  const ids = identity.userAssignedIdentities ?? [];
  return {
    type: 'UserAssigned',
    ...(ids.length ? { userAssignedIdentities: Object.fromEntries(ids.map((id) => [id, {}])) } : {}),
  };
}

/** The SDK drops 0 entries from traffic maps. */
export function withoutZeros(map: TrafficMap): TrafficMap {
  return Object.fromEntries(Object.entries(map).filter(([, value]) => value !== 0));
}
