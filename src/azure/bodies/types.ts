// The REST bodies this toolkit sends (api-version 2026-07-01 names and casing, as in the official examples
// in ../shared/reference/azureml-rest/examples). Only the fields we write are typed.

export type TrafficMap = Record<string, number>;

export interface IdentityBody {
  type: 'SystemAssigned' | 'UserAssigned' | 'None';
  userAssignedIdentities?: Record<string, Record<string, never>>;
}

export interface OnlineEndpointBody {
  identity: IdentityBody;
  location: string;
  properties: {
    authMode: 'Key' | 'AMLToken' | 'AADToken';
    description?: string;
    properties: Record<string, string>;
    traffic: TrafficMap;
    mirrorTraffic: TrafficMap;
    publicNetworkAccess?: 'Enabled' | 'Disabled';
    /** ARM id of the attached Kubernetes compute (Kubernetes endpoints only). */
    compute?: string;
  };
  tags: Record<string, string>;
}

export interface ProbeBody {
  initialDelay?: string;
  period?: string;
  timeout?: string;
  successThreshold?: number;
  failureThreshold?: number;
}

export interface ResourceAmountsBody {
  cpu?: string;
  memory?: string;
  gpu?: string;
}

export interface OnlineDeploymentBody {
  location: string;
  properties: {
    endpointComputeType: 'Managed' | 'Kubernetes';
    description?: string;
    properties: Record<string, string>;
    model?: string;
    modelMountPath?: string;
    codeConfiguration?: { codeId: string; scoringScript: string };
    environmentId?: string;
    environmentVariables: Record<string, string>;
    appInsightsEnabled: boolean;
    instanceType?: string;
    scaleSettings?: {
      scaleType: 'Default' | 'TargetUtilization';
      minInstances?: number;
      maxInstances?: number;
      pollingInterval?: string;
      targetUtilizationPercentage?: number;
    };
    requestSettings?: {
      requestTimeout?: string;
      maxConcurrentRequestsPerInstance?: number;
      maxQueueWait?: string;
    };
    livenessProbe?: ProbeBody;
    readinessProbe?: ProbeBody;
    egressPublicNetworkAccess?: 'Enabled' | 'Disabled';
    containerResourceRequirements?: {
      containerResourceRequests?: ResourceAmountsBody;
      containerResourceLimits?: ResourceAmountsBody;
    };
  };
  sku: { name: 'Default'; capacity?: number };
  tags: Record<string, string>;
}

export interface EnvironmentVersionBody {
  properties: {
    image?: string;
    condaFile?: string;
    build?: { contextUri: string; dockerfilePath?: string };
    osType?: 'Linux' | 'Windows';
    description?: string;
    tags?: Record<string, string>;
    properties?: Record<string, string>;
    isAnonymous: boolean;
    isArchived: false;
  };
}

export interface CodeVersionBody {
  properties: {
    codeUri: string;
    properties: Record<string, string>;
    isAnonymous: boolean;
    isArchived: false;
  };
}
