// The normalized specs every config form (az ml v2 YAML, v1 JSON, action inputs) is turned into.
// Field names follow the az ml v2 YAML meaning in camelCase; the REST body builders (src/azure) and the
// local target read only these types, never the files.

export type ComputeKind = 'managed' | 'kubernetes';
/** Online endpoints answer requests; batch endpoints run scoring jobs over files. */
export type EndpointKind = 'online' | 'batch';
export type AuthMode = 'key' | 'aml_token' | 'aad_token';
export type ModelType = 'custom_model' | 'mlflow_model' | 'triton_model';

/** Where a value came from, for messages and annotations. */
export interface Origin {
  file: string;
  line?: number;
}

/** A model as a deployment refers to it. */
export type ModelRef =
  /** `azureml:name:version` (or `name:version` from an input) */
  | { kind: 'version'; name: string; version: string }
  /** `azureml:name@latest` / `name@latest` */
  | { kind: 'latest'; name: string }
  /** `azureml:/subscriptions/...` or a bare ARM id */
  | { kind: 'arm-id'; id: string }
  /** `azureml://registries/...`, sent verbatim */
  | { kind: 'registry'; uri: string }
  /** a local file or folder (absolute path), registered first; name/version when the file gave them */
  | { kind: 'path'; path: string; name?: string; version?: string; type?: ModelType };

export type CodeRef =
  | { kind: 'path'; path: string }
  | { kind: 'version'; name: string; version: string }
  | { kind: 'arm-id'; id: string }
  | { kind: 'registry'; uri: string };

export interface CodeConfiguration {
  code: CodeRef;
  /** Relative to the code root, as written (e.g. `onlinescoring/score.py`). */
  scoringScript: string;
}

export interface InlineEnvironment {
  kind: 'inline';
  name?: string;
  version?: string;
  image?: string;
  /** conda YAML: the absolute path it was read from (if any) and its parsed content */
  condaFile?: { path?: string; content: unknown };
  build?: { path: string; dockerfilePath?: string };
  osType?: 'linux' | 'windows';
  description?: string;
  tags?: Record<string, string>;
}

export type EnvironmentRef =
  | { kind: 'version'; name: string; version: string }
  | { kind: 'latest'; name: string }
  /** a curated `azureml:AzureML-...` reference: sent literally, the service expands it */
  | { kind: 'curated'; id: string }
  | { kind: 'arm-id'; id: string }
  | { kind: 'registry'; uri: string }
  | InlineEnvironment;

export interface ProbeSettings {
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
}

export interface RequestSettings {
  requestTimeoutMs?: number;
  maxConcurrentRequestsPerInstance?: number;
  maxQueueWaitMs?: number;
}

export type ScaleSettings =
  | { type: 'default' }
  | {
      type: 'target_utilization';
      minInstances?: number;
      maxInstances?: number;
      pollingIntervalSeconds?: number;
      targetUtilizationPercentage?: number;
    };

export interface ResourceAmounts {
  cpu?: string;
  memory?: string;
  gpu?: string;
}

export interface EndpointSpec {
  name: string;
  computeKind: ComputeKind;
  authMode: AuthMode;
  description?: string;
  tags: Record<string, string>;
  properties: Record<string, string>;
  /** From the endpoint file's `traffic:`; the `traffic` input wins over it. Zero entries removed. */
  traffic?: Record<string, number>;
  mirrorTraffic?: Record<string, number>;
  publicNetworkAccess?: 'enabled' | 'disabled';
  /** Kubernetes: `azureml:<name>` stripped to the name, or an ARM id. */
  compute?: string;
  identity?: { type: 'system_assigned' | 'user_assigned' | 'none'; userAssignedIdentities?: string[] };
  origin?: Origin;
}

export interface DeploymentSpec {
  name: string;
  endpointName: string;
  computeKind: ComputeKind;
  description?: string;
  tags: Record<string, string>;
  properties: Record<string, string>;
  model?: ModelRef;
  modelMountPath?: string;
  code?: CodeConfiguration;
  environment?: EnvironmentRef;
  environmentVariables: Record<string, string>;
  appInsightsEnabled: boolean;
  instanceType?: string;
  instanceCount?: number;
  scaleSettings?: ScaleSettings;
  requestSettings?: RequestSettings;
  livenessProbe?: ProbeSettings;
  readinessProbe?: ProbeSettings;
  /** Kubernetes only */
  resources?: { requests?: ResourceAmounts; limits?: ResourceAmounts };
  egressPublicNetworkAccess?: 'enabled' | 'disabled';
  origin?: Origin;
}

/** az ml batch endpoint YAML (batchEndpoint schema). */
export interface BatchEndpointSpec {
  name: string;
  /** az ml's default for batch endpoints is aad_token (the only mode the service supports). */
  authMode: AuthMode;
  description?: string;
  tags: Record<string, string>;
  properties: Record<string, string>;
  /** `defaults.deployment_name`: the deployment a job runs on when none is named. */
  defaultDeployment?: string;
  origin?: Origin;
}

export type BatchOutputAction = 'append_row' | 'summary_only';

/** The batch job settings: `settings:` in the newer YAML, top-level keys in the older one. */
export interface BatchSettings {
  miniBatchSize?: number;
  maxConcurrencyPerInstance?: number;
  /** Service default append_row. */
  outputAction?: BatchOutputAction;
  /** Service default predictions.csv; not with summary_only. */
  outputFileName?: string;
  retrySettings?: { maxRetries?: number; timeoutSeconds?: number };
  /** -1: ignore every failed mini-batch item. Service default -1. */
  errorThreshold?: number;
  /** Sent verbatim (az ml does): info, warning, debug. */
  loggingLevel?: string;
}

/** az ml batch deployment YAML (batchDeployment / modelBatchDeployment schemas), model deployments. */
export interface BatchDeploymentSpec {
  name: string;
  endpointName: string;
  description?: string;
  tags: Record<string, string>;
  properties: Record<string, string>;
  model?: ModelRef;
  /** Absent for MLflow models (no-code: the service brings the driver). */
  code?: CodeConfiguration;
  environment?: EnvironmentRef;
  environmentVariables: Record<string, string>;
  /** The compute cluster: a name (`azureml:` stripped) or an ARM id. */
  compute?: string;
  resources?: { instanceCount?: number; instanceType?: string; properties?: Record<string, unknown> };
  settings: BatchSettings;
  origin?: Origin;
}

/** A note about a translation or an ignored key, logged as a warning or info line. */
export interface ConfigNote {
  level: 'info' | 'warning';
  message: string;
  file?: string;
  line?: number;
  field?: string;
  /** A key of the file that is not used: unknown (a typo, or dropped by the current API) or not supported here. */
  ignoredKey?: 'unknown' | 'unsupported';
  /** For an unknown key: the known key of that mapping it is closest to. */
  suggestion?: string;
}

/** What the deployment config files say, before inputs override them. */
export interface LoadedDeploymentConfig {
  /** Default online. For batch, `endpoint` and `deployment` hold the fields both kinds share. */
  endpointKind?: EndpointKind;
  /** Batch files: everything they say (the shared fields too). */
  batch?: { endpoint?: Partial<BatchEndpointSpec>; deployment?: Partial<BatchDeploymentSpec> };
  /** Partial: a v2 deployment file alone names its endpoint but does not describe it. */
  endpoint?: Partial<EndpointSpec> & { name?: string };
  deployment: Partial<DeploymentSpec>;
  /** A v1 `computeType: local` (or `LOCAL`) asks for the local target. */
  targetHint?: 'local' | 'azureml';
  /** v1 local `port`. */
  localPort?: number;
  /** v1 AKS `computeTargetName`. */
  computeName?: string;
  notes: ConfigNote[];
}

export interface ModelSpec {
  name: string;
  version?: string;
  type: ModelType;
  /** absolute local path, or a URI (`azureml://`, `https://`, `runs:/`, ...) */
  path: string;
  description?: string;
  tags: Record<string, string>;
  properties: Record<string, string>;
  origin?: Origin;
}

export interface WorkspaceRef {
  subscriptionId: string;
  resourceGroup: string;
  workspaceName: string;
}
