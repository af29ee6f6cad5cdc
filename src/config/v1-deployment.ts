// v1 deploymentconfig (computeType local | ACI | AKS; JSON or YAML) → the v2 deployment it stands for
// (azureml-v1-config §3, §6): ACI → managed online (instance type from Microsoft's sizing table), AKS →
// Kubernetes online with every v1 default that v2 would change written explicitly, local → local target.
// v1's own validation (§3.2) is repeated; its known misspellings (§3.3) are accepted with a warning.

import path from 'node:path';
import { z } from 'zod';
import { ACI_INSTANCE_TYPES, aciInstanceType } from './aci-instance-type.ts';
import { addNote, compact, type LoadContext, stringMap } from './field-schemas.ts';
import {
  ignored,
  type KeyRule,
  type KnownKeys,
  known,
  knownKeys,
  mappingOf,
  noteUnknownKeys,
} from './known-keys.ts';
import { pathKind } from './local-paths.ts';
import { parseWithSchema } from './schema-issues.ts';
import { readSourceFile, type SourceFile } from './source-file.ts';
import type {
  ConfigNote,
  DeploymentSpec,
  EndpointSpec,
  ProbeSettings,
  ResourceAmounts,
  ScaleSettings,
} from './spec.ts';

export type V1ComputeType = 'local' | 'aci' | 'aks';

/** What a deploymentconfig says, in v2 terms. */
export interface V1DeploymentConfig {
  computeType: V1ComputeType;
  endpoint?: Partial<EndpointSpec>;
  deployment: Partial<DeploymentSpec>;
  targetHint?: 'local';
  localPort?: number;
  /** AKS `computeTargetName`: the cluster, which v2 needs attached as a KubernetesCompute. */
  computeName?: string;
}

const ALL: readonly V1ComputeType[] = ['local', 'aci', 'aks'];
const ACI: readonly V1ComputeType[] = ['aci'];
const AKS: readonly V1ComputeType[] = ['aks'];
const CLOUD: readonly V1ComputeType[] = ['aci', 'aks'];

/** Which compute types v1's parser read each key for (§3.1). */
const READ_BY: Readonly<Record<string, readonly V1ComputeType[]>> = {
  computeType: ALL,
  tags: ALL,
  properties: ALL,
  description: ALL,
  port: ['local'],
  containerResourceRequirements: CLOUD,
  authEnabled: CLOUD,
  keys: CLOUD,
  appInsightsEnabled: CLOUD,
  location: ACI,
  sslEnabled: ACI,
  sslCertificate: ACI,
  sslKey: ACI,
  cname: ACI,
  dnsNameLabel: ACI,
  vaultBaseUrl: ACI,
  keyName: ACI,
  keyVersion: ACI,
  vnetName: ACI,
  subnetName: ACI,
  gpuCores: AKS,
  tokenAuthEnabled: AKS,
  dataCollection: AKS,
  autoScaler: AKS,
  numReplicas: AKS,
  scoringTimeoutMs: AKS,
  maxConcurrentRequestsPerContainer: AKS,
  maxQueueWaitMs: AKS,
  livenessProbeRequirements: AKS,
  namespace: AKS,
  computeTargetName: AKS,
};

/** Spellings found in real files that v1 ignored (§3.3): honoured here, with a warning. */
const MISSPELLED: Readonly<Record<string, string>> = {
  sslCName: 'cname',
  primaryKey: 'keys.primaryKey',
  secondaryKey: 'keys.secondaryKey',
  cpu_limit: 'containerResourceRequirements.cpuLimit',
  memory_in_gb_limit: 'containerResourceRequirements.memoryInGBLimit',
  ComputeTarget: 'computeTargetName',
  autoscaler: 'autoScaler',
};

const misspelled = (meant: string): KeyRule =>
  ignored(`is not a v1 key (v1 read ${meant} and silently ignored this one); used as ${meant}`);

const PROBE_KEYS = knownKeys(
  'periodSeconds',
  'initialDelaySeconds',
  'timeoutSeconds',
  'successThreshold',
  'failureThreshold',
);
const SCALER_KEYS = knownKeys(
  'autoscaleEnabled',
  'minReplicas',
  'maxReplicas',
  'refreshPeriodInSeconds',
  'targetUtilization',
);

function keysFor(type: V1ComputeType): KnownKeys {
  const notRead = (key: string) =>
    key === 'sslEnabled' && type === 'aks'
      ? ignored(
          'TLS for Kubernetes endpoints is set up on the cluster (Azure ML extension), not per service; ignored',
          'info',
        )
      : ignored(`is not used for computeType ${type.toUpperCase()} (v1 ignored it too); ignored`);
  const nested: Record<string, KeyRule> = {
    containerResourceRequirements: mappingOf({
      ...knownKeys('cpu', 'memoryInGB'),
      cpuLimit: type === 'aks' ? known : notRead('cpuLimit'),
      memoryInGBLimit: type === 'aks' ? known : notRead('memoryInGBLimit'),
      gpu: misspelled('gpuCores'),
      cpu_limit: misspelled('cpuLimit'),
      memory_in_gb_limit: misspelled('memoryInGBLimit'),
    }),
    autoScaler: mappingOf(SCALER_KEYS),
    keys: mappingOf(knownKeys('primaryKey', 'secondaryKey')),
    dataCollection: mappingOf(knownKeys('storageEnabled')),
    livenessProbeRequirements: mappingOf(PROBE_KEYS),
  };
  const rules: Record<string, KeyRule> = {};
  for (const [key, types] of Object.entries(READ_BY)) {
    rules[key] = types.includes(type) ? (nested[key] ?? known) : notRead(key);
  }
  for (const [written, meant] of Object.entries(MISSPELLED)) rules[written] = misspelled(meant);
  return rules;
}

const computeTypeSchema = z.object({
  computeType: z.string().transform((text, zctx): V1ComputeType => {
    const type = text.toLowerCase();
    if (type === 'local' || type === 'aci' || type === 'aks') return type;
    zctx.addIssue({
      code: 'custom',
      message:
        type === 'aksendpoint'
          ? 'AKSENDPOINT (AKS endpoints with versions) is not supported: use computeType AKS (a Kubernetes online deployment)'
          : `must be one of local, ACI, AKS (got '${text}')`,
    });
    return z.NEVER;
  }),
});

const num = z.number();
const int = z.number().int();

/** The schema of one compute type: keys v1 did not read for it are not type-checked either. */
function deploymentConfigSchema(type: V1ComputeType, ctx: LoadContext) {
  // Typed as if always read: each translator only looks at the keys v1 reads for its compute type.
  const read = <T extends z.ZodType>(key: string, schema: T): T =>
    READ_BY[key]?.includes(type) ? schema : (z.unknown().optional() as unknown as T);
  const str = z.string().nullish();
  const bool = z.boolean().nullish();
  return z.object({
    port: read('port', int.min(1).max(65535).nullish()),
    containerResourceRequirements: read(
      'containerResourceRequirements',
      z
        .object({
          cpu: num.nullish(),
          memoryInGB: num.nullish(),
          cpuLimit: num.nullish(),
          memoryInGBLimit: num.nullish(),
          gpu: num.nullish(),
          cpu_limit: num.nullish(),
          memory_in_gb_limit: num.nullish(),
        })
        .nullish(),
    ),
    cpu_limit: num.nullish(),
    memory_in_gb_limit: num.nullish(),
    gpuCores: read('gpuCores', num.nullish()),
    location: read('location', str),
    authEnabled: read('authEnabled', bool),
    tokenAuthEnabled: read('tokenAuthEnabled', bool),
    keys: read('keys', z.object({ primaryKey: str, secondaryKey: str }).nullish()),
    primaryKey: str,
    secondaryKey: str,
    sslEnabled: read('sslEnabled', bool),
    sslCertificate: read('sslCertificate', str),
    sslKey: read('sslKey', str),
    cname: read('cname', str),
    sslCName: str,
    dnsNameLabel: read('dnsNameLabel', str),
    appInsightsEnabled: read('appInsightsEnabled', bool),
    vaultBaseUrl: read('vaultBaseUrl', str),
    keyName: read('keyName', str),
    keyVersion: read('keyVersion', str),
    vnetName: read('vnetName', str),
    subnetName: read('subnetName', str),
    dataCollection: read('dataCollection', z.object({ storageEnabled: bool }).nullish()),
    autoScaler: read('autoScaler', scalerSchema.nullish()),
    autoscaler:
      type === 'aks'
        ? scalerSchema.nullish()
        : (z.unknown().optional() as unknown as ReturnType<typeof scalerSchema.nullish>),
    numReplicas: read('numReplicas', int.nullish()),
    scoringTimeoutMs: read('scoringTimeoutMs', int.nullish()),
    maxConcurrentRequestsPerContainer: read('maxConcurrentRequestsPerContainer', int.nullish()),
    maxQueueWaitMs: read('maxQueueWaitMs', int.nullish()),
    livenessProbeRequirements: read('livenessProbeRequirements', probeSchema.nullish()),
    namespace: read('namespace', str),
    computeTargetName: read('computeTargetName', str),
    ComputeTarget: str,
    tags: stringMap(ctx).nullish(),
    properties: stringMap(ctx).nullish(),
    description: str,
  });
}

const scalerSchema = z.object({
  autoscaleEnabled: z.boolean().nullish(),
  minReplicas: int.nullish(),
  maxReplicas: int.nullish(),
  refreshPeriodInSeconds: int.nullish(),
  targetUtilization: int.min(1).max(100).nullish(),
});

const probeSchema = z.object({
  periodSeconds: int.nullish(),
  initialDelaySeconds: int.nullish(),
  timeoutSeconds: int.nullish(),
  successThreshold: int.nullish(),
  failureThreshold: int.nullish(),
});

type Fields = z.output<ReturnType<typeof deploymentConfigSchema>>;
type Crr = {
  cpu?: number | null;
  memoryInGB?: number | null;
  cpuLimit?: number | null;
  memoryInGBLimit?: number | null;
  gpu?: number | null;
  cpu_limit?: number | null;
  memory_in_gb_limit?: number | null;
};
type Scaler = z.output<typeof scalerSchema>;
type Probe = z.output<typeof probeSchema>;
type At = (string | number)[];

/** Kubernetes quantity for v1 cores: 0.5 → "0.5". */
function cpuQuantity(cores: number): string {
  return String(cores);
}

/** v1 said GB; Microsoft's v2 examples use Gi (the ~7% difference is the usual reading): 0.5 → "512Mi". */
function memoryQuantity(gb: number): string {
  return Number.isInteger(gb) ? `${gb}Gi` : `${Math.round(gb * 1024)}Mi`;
}

const defined = <T>(v: T | null | undefined): v is T => v !== null && v !== undefined;

class Translation {
  readonly ctx: LoadContext;
  readonly issues: { at: At; message: string }[] = [];
  constructor(ctx: LoadContext) {
    this.ctx = ctx;
  }
  issue(at: At, message: string): void {
    this.issues.push({ at, message });
  }
  note(level: ConfigNote['level'], at: At, message: string): void {
    addNote(this.ctx, level, at, message);
  }
  /** A note on the whole translation, placed on the computeType line. */
  fileNote(level: ConfigNote['level'], message: string): void {
    addNote(this.ctx, level, ['computeType'], message, 'file');
  }
  /** A number v1 required to be > 0. */
  positive(at: At, value: number | null | undefined): void {
    if (defined(value) && value <= 0) this.issue(at, 'must be greater than 0');
  }
}

/** Where each resource value was written (the misspelled key when that is what the file used). */
function resources(c: Fields): { crr: Crr; at: (key: keyof Crr) => At } {
  const crr = (c.containerResourceRequirements ?? {}) as Crr;
  return { crr, at: (key) => ['containerResourceRequirements', key] };
}

function translateKeys(t: Translation, c: Fields): void {
  const keys = c.keys as { primaryKey?: string | null; secondaryKey?: string | null } | null | undefined;
  if (keys?.primaryKey || keys?.secondaryKey || c.primaryKey || c.secondaryKey) {
    // Never echo the key values.
    t.note(
      'warning',
      [keys ? 'keys' : c.primaryKey ? 'primaryKey' : 'secondaryKey'],
      'custom keys are not carried over: the endpoint gets new keys (set yours afterwards with the regenerate-keys operation)',
    );
  }
}

function translateAci(t: Translation, c: Fields, source: SourceFile): V1DeploymentConfig {
  const { crr, at } = resources(c);
  t.positive(at('cpu'), crr.cpu);
  t.positive(at('memoryInGB'), crr.memoryInGB);
  const cname = c.cname ?? c.sslCName;
  if (c.sslEnabled) {
    const missing = [
      ['sslCertificate', c.sslCertificate],
      ['sslKey', c.sslKey],
      ['cname', cname],
    ]
      .filter(([, v]) => !v)
      .map(([k]) => k);
    if (missing.length)
      t.issue(['sslEnabled'], `true needs sslCertificate, sslKey and cname (missing: ${missing.join(', ')})`);
    for (const key of ['sslCertificate', 'sslKey'] as const) {
      const file = c[key];
      if (typeof file === 'string' && file && pathKind(path.resolve(source.dir, file)) !== 'file') {
        t.issue([key], `file not found: ${source.displayPath(file)}`);
      }
    }
    t.note(
      'info',
      ['sslEnabled'],
      'managed endpoints always use TLS with their own certificate; sslCertificate, sslKey and cname are not used',
    );
  }
  const group = (keys: readonly string[], what: string) => {
    const given = keys.filter((k) => defined(c[k as keyof Fields]) && c[k as keyof Fields] !== '');
    if (given.length > 0 && given.length < keys.length) {
      const missing = keys.filter((k) => !given.includes(k));
      t.issue(
        [given[0] ?? keys[0] ?? ''],
        `${keys.join(', ')} go together: give all or none (missing: ${missing.join(', ')})`,
      );
    }
    if (given.length === keys.length) t.note('warning', [keys[0] ?? ''], what);
  };
  group(
    ['vaultBaseUrl', 'keyName', 'keyVersion'],
    'customer-managed keys are not supported by managed endpoints; ignored',
  );
  group(
    ['vnetName', 'subnetName'],
    "use the workspace's managed network (or a private endpoint) instead; ignored",
  );
  if (cname && !c.sslEnabled)
    t.note(
      'warning',
      [c.cname ? 'cname' : 'sslCName'],
      'custom DNS names are not supported by managed endpoints; ignored',
    );
  if (c.dnsNameLabel)
    t.note('warning', ['dnsNameLabel'], 'custom DNS names are not supported by managed endpoints; ignored');
  if (c.location)
    t.note('warning', ['location'], "the endpoint is created in the workspace's region; ignored");

  const cpu = crr.cpu ?? 0.1;
  const memory = crr.memoryInGB ?? 0.5;
  const instanceType = aciInstanceType(cpu, memory);
  const sizes = `cpu ${cpu} / memoryInGB ${memory}${defined(crr.cpu) && defined(crr.memoryInGB) ? '' : " (v1's ACI defaults are 0.1 / 0.5)"}`;
  if (instanceType) {
    t.note(
      'info',
      ['containerResourceRequirements'],
      `${sizes} → instance_type ${instanceType} (Microsoft's ACI sizing table)`,
    );
  } else {
    const [maxCpu, maxMemory] = ACI_INSTANCE_TYPES.at(-1) ?? [4, 16];
    t.note(
      'warning',
      ['containerResourceRequirements'],
      `${sizes} is beyond the ACI sizing table (${maxCpu} cores, ${maxMemory} GB): give the instance-type input`,
    );
  }
  if (c.authEnabled) t.note('info', ['authEnabled'], 'true → auth_mode key');
  else if (defined(c.authEnabled)) {
    t.note(
      'warning',
      ['authEnabled'],
      'false: managed endpoints have no anonymous mode, so key auth is used',
    );
  } else {
    t.fileNote(
      'warning',
      "authEnabled is absent (v1's ACI default is no auth): managed endpoints have no anonymous mode, so key auth is used",
    );
  }
  translateKeys(t, c);
  t.fileNote(
    'info',
    'computeType ACI → a managed online deployment with instance_count 1 (an ACI service was one container group)',
  );
  return {
    computeType: 'aci',
    endpoint: { computeKind: 'managed', authMode: 'key' },
    deployment: compact({
      computeKind: 'managed' as const,
      instanceType,
      instanceCount: 1,
      appInsightsEnabled: c.appInsightsEnabled ?? false,
    }),
  };
}

/** What the AKS translation reads more than once: the resource figures, where they were written, the scaler. */
interface AksFields {
  c: Fields;
  at: ReturnType<typeof resources>['at'];
  crr: ReturnType<typeof resources>['crr'];
  cpu: number;
  memory: number;
  cpuLimit: number | null | undefined;
  cpuLimitAt: At;
  memoryLimit: number | null | undefined;
  memoryLimitAt: At;
  gpuCores: number | null | undefined;
  gpuAt: At;
  probe: Probe;
  scaler: Scaler;
  scalerKey: 'autoScaler' | 'autoscaler';
  minReplicas: number;
  maxReplicas: number;
}

function aksFields(c: Fields): AksFields {
  const { crr, at } = resources(c);
  const scaler = (c.autoScaler ?? c.autoscaler ?? {}) as Scaler;
  return {
    c,
    at,
    crr,
    cpu: crr.cpu ?? 0.1,
    memory: crr.memoryInGB ?? 0.5,
    cpuLimit: crr.cpuLimit ?? crr.cpu_limit ?? c.cpu_limit,
    cpuLimitAt: defined(crr.cpuLimit)
      ? at('cpuLimit')
      : defined(crr.cpu_limit)
        ? at('cpu_limit')
        : ['cpu_limit'],
    memoryLimit: crr.memoryInGBLimit ?? crr.memory_in_gb_limit ?? c.memory_in_gb_limit,
    memoryLimitAt: defined(crr.memoryInGBLimit)
      ? at('memoryInGBLimit')
      : defined(crr.memory_in_gb_limit)
        ? at('memory_in_gb_limit')
        : ['memory_in_gb_limit'],
    gpuCores: c.gpuCores ?? crr.gpu,
    gpuAt: defined(c.gpuCores) ? ['gpuCores'] : at('gpu'),
    probe: (c.livenessProbeRequirements ?? {}) as Probe,
    scaler,
    scalerKey: defined(c.autoScaler) ? 'autoScaler' : 'autoscaler',
    minReplicas: scaler.minReplicas ?? 1,
    maxReplicas: scaler.maxReplicas ?? 10,
  };
}

function translateAks(t: Translation, c: Fields): V1DeploymentConfig {
  const f = aksFields(c);
  checkAksNumbers(t, f);
  checkAksAuthAndScaling(t, f);
  // Translation (§6.4), its notes in this order.
  const resources = aksResources(t, f);
  const { scaleSettings, instanceCount } = aksScale(t, f);
  const requestSettings = aksRequestSettings(t, c);
  const livenessProbe = aksLivenessProbe(t, f);
  const authMode = aksAuthMode(t, c);
  if (c.namespace) {
    t.note(
      'warning',
      ['namespace'],
      'the namespace is chosen when the cluster is attached as a compute; ignored',
    );
  }
  if (c.dataCollection?.storageEnabled) {
    t.note(
      'warning',
      ['dataCollection', 'storageEnabled'],
      'v1 model data collection does not carry over: v2 collects with the azureml-ai-monitoring Collector in score.py',
    );
  }
  translateKeys(t, c);
  const computeName = c.computeTargetName ?? c.ComputeTarget ?? undefined;
  t.fileNote(
    'info',
    'computeType AKS → a Kubernetes online deployment; the cluster must be attached as a KubernetesCompute (a v1 AksCompute cannot be used from v2)',
  );
  return compact({
    computeType: 'aks' as const,
    endpoint: compact({ computeKind: 'kubernetes' as const, authMode, compute: computeName }),
    deployment: compact({
      computeKind: 'kubernetes' as const,
      resources,
      scaleSettings,
      instanceCount,
      requestSettings,
      livenessProbe,
      appInsightsEnabled: c.appInsightsEnabled ?? false,
    }),
    computeName,
  });
}

/** §3.2 numeric checks. */
function checkAksNumbers(t: Translation, f: AksFields): void {
  const { c, at, crr } = f;
  t.positive(at('cpu'), crr.cpu);
  t.positive(at('memoryInGB'), crr.memoryInGB);
  t.positive(['scoringTimeoutMs'], c.scoringTimeoutMs);
  t.positive(['maxConcurrentRequestsPerContainer'], c.maxConcurrentRequestsPerContainer);
  t.positive(['maxQueueWaitMs'], c.maxQueueWaitMs);
  t.positive(['numReplicas'], c.numReplicas);
  for (const key of Object.keys(f.probe) as (keyof Probe)[])
    t.positive(['livenessProbeRequirements', key], f.probe[key]);
  if (defined(f.gpuCores) && (f.gpuCores < 0 || !Number.isInteger(f.gpuCores)))
    t.issue(f.gpuAt, 'must be a whole number, 0 or more');
  if (defined(f.cpuLimit) && f.cpuLimit < f.cpu)
    t.issue(f.cpuLimitAt, `must be at least the cpu request (${f.cpu})`);
  if (defined(f.memoryLimit) && f.memoryLimit < f.memory)
    t.issue(f.memoryLimitAt, `must be at least the memoryInGB request (${f.memory})`);
}

/** §3.2 auth and scaling checks. */
function checkAksAuthAndScaling(t: Translation, f: AksFields): void {
  const { c, scaler, scalerKey } = f;
  if (c.authEnabled && c.tokenAuthEnabled)
    t.issue(['tokenAuthEnabled'], 'cannot be true together with authEnabled: true');
  const enabled = scaler.autoscaleEnabled;
  if (enabled === true && defined(c.numReplicas)) {
    t.issue(['numReplicas'], `cannot be combined with ${scalerKey}.autoscaleEnabled: true`);
  }
  if (enabled === false && !defined(c.numReplicas))
    t.issue([scalerKey, 'autoscaleEnabled'], 'false needs numReplicas');
  for (const key of ['minReplicas', 'maxReplicas', 'refreshPeriodInSeconds', 'targetUtilization'] as const) {
    if (defined(scaler[key]) && enabled !== true) {
      t.issue([scalerKey, key], `is only allowed with ${scalerKey}.autoscaleEnabled: true`);
    }
  }
  if (f.minReplicas > f.maxReplicas)
    t.issue([scalerKey, 'minReplicas'], `must not be greater than maxReplicas (${f.maxReplicas})`);
  t.positive([scalerKey, 'minReplicas'], scaler.minReplicas);
  t.positive([scalerKey, 'maxReplicas'], scaler.maxReplicas);
  t.positive([scalerKey, 'refreshPeriodInSeconds'], scaler.refreshPeriodInSeconds);
}

/** §6.4: requests always, limits when given; GPUs only under limits (which then need cpu and memory). */
function aksResources(t: Translation, f: AksFields): { requests: ResourceAmounts; limits?: ResourceAmounts } {
  const { crr } = f;
  const requests: ResourceAmounts = { cpu: cpuQuantity(f.cpu), memory: memoryQuantity(f.memory) };
  const limits: ResourceAmounts = compact({
    cpu: defined(f.cpuLimit) ? cpuQuantity(f.cpuLimit) : undefined,
    memory: defined(f.memoryLimit) ? memoryQuantity(f.memoryLimit) : undefined,
  });
  t.note(
    'info',
    ['containerResourceRequirements'],
    `→ resources.requests cpu "${requests.cpu}", memory "${requests.memory}"` +
      (defined(crr.cpu) && defined(crr.memoryInGB)
        ? ' (GB read as GiB)'
        : " (v1's defaults 0.1 CPU / 0.5 GB written explicitly; v2 would take the instance type's requests)"),
  );
  if (f.gpuCores && f.gpuCores > 0) {
    limits.gpu = String(f.gpuCores);
    limits.cpu ??= requests.cpu;
    limits.memory ??= requests.memory;
    t.note(
      'info',
      f.gpuAt,
      `→ resources.limits gpu "${limits.gpu}" (with cpu and memory limits); choose a GPU instance type`,
    );
  }
  return compact({ requests, limits: Object.keys(limits).length ? limits : undefined });
}

/** numReplicas → a fixed instance count; else v1's autoscaler → target_utilization. */
function aksScale(t: Translation, f: AksFields): { scaleSettings: ScaleSettings; instanceCount?: number } {
  const { c, scaler, scalerKey } = f;
  if (defined(c.numReplicas)) {
    t.note('info', ['numReplicas'], `→ instance_count ${c.numReplicas} with scale_settings type default`);
    return { scaleSettings: { type: 'default' }, instanceCount: c.numReplicas };
  }
  const message =
    `autoscaling → scale_settings target_utilization (min ${f.minReplicas}, max ${f.maxReplicas})` +
    (defined(scaler.maxReplicas)
      ? ''
      : "; v1's default maxReplicas 10 written explicitly (v2's default is 1)");
  if (defined(c.autoScaler ?? c.autoscaler)) t.note('info', [scalerKey], message);
  else t.fileNote('info', message);
  return {
    scaleSettings: {
      type: 'target_utilization',
      minInstances: f.minReplicas,
      maxInstances: f.maxReplicas,
      pollingIntervalSeconds: scaler.refreshPeriodInSeconds ?? 1,
      targetUtilizationPercentage: scaler.targetUtilization ?? 70,
    },
  };
}

function aksRequestSettings(t: Translation, c: Fields) {
  if (!defined(c.scoringTimeoutMs)) {
    t.fileNote(
      'info',
      "request_timeout_ms 60000: v1's default scoringTimeoutMs written explicitly (v2's default is 5000)",
    );
  }
  return {
    requestTimeoutMs: c.scoringTimeoutMs ?? 60000,
    maxConcurrentRequestsPerInstance: c.maxConcurrentRequestsPerContainer ?? 1,
    maxQueueWaitMs: c.maxQueueWaitMs ?? 500,
  };
}

function aksLivenessProbe(t: Translation, f: AksFields): ProbeSettings {
  const { probe, c } = f;
  if (!defined(probe.initialDelaySeconds) || !defined(probe.failureThreshold)) {
    const message =
      "liveness probe: v1's defaults written explicitly (initial_delay 310, failure_threshold 3; v2's are 10 and 30)";
    if (defined(c.livenessProbeRequirements)) t.note('info', ['livenessProbeRequirements'], message);
    else t.fileNote('info', message);
  }
  return {
    initialDelaySeconds: probe.initialDelaySeconds ?? 310,
    periodSeconds: probe.periodSeconds ?? 10,
    timeoutSeconds: probe.timeoutSeconds ?? 2,
    successThreshold: probe.successThreshold ?? 1,
    failureThreshold: probe.failureThreshold ?? 3,
  };
}

/** tokenAuthEnabled → aml_token; otherwise key (Kubernetes endpoints have no anonymous mode). */
function aksAuthMode(t: Translation, c: Fields): EndpointSpec['authMode'] {
  const authEnabled = c.authEnabled ?? true;
  if (c.tokenAuthEnabled && !c.authEnabled) {
    t.note('info', ['tokenAuthEnabled'], 'true → auth_mode aml_token (the Azure ML token v1 used)');
    return 'aml_token';
  }
  if (!authEnabled && !c.tokenAuthEnabled) {
    t.note(
      'warning',
      ['authEnabled'],
      'false: Kubernetes endpoints have no anonymous mode, so key auth is used',
    );
  }
  return 'key';
}

/** A v1 deploymentconfig (JSON or YAML). Translation notes are added to `notes`. */
export function loadV1DeploymentConfig(file: string, notes: ConfigNote[] = []): V1DeploymentConfig {
  return deploymentConfigFromSource(readSourceFile(file), notes);
}

/** From an already parsed file. */
export function deploymentConfigFromSource(source: SourceFile, notes: ConfigNote[] = []): V1DeploymentConfig {
  const { computeType: type } = parseWithSchema(computeTypeSchema, source);
  noteUnknownKeys(source, keysFor(type), notes, [], 'unknown key, ignored (v1 ignored it too)');
  const ctx: LoadContext = { source, notes };
  const t = new Translation(ctx);
  const schema = deploymentConfigSchema(type, ctx).transform((c, zctx): V1DeploymentConfig => {
    let result: V1DeploymentConfig;
    if (type === 'local') {
      t.fileNote(
        'info',
        `computeType local → the local target${defined(c.port) ? ` on port ${c.port}` : ''}`,
      );
      result = {
        computeType: 'local',
        deployment: {},
        targetHint: 'local',
        ...(defined(c.port) ? { localPort: c.port } : {}),
      };
    } else {
      result = type === 'aci' ? translateAci(t, c, source) : translateAks(t, c);
    }
    for (const { at, message } of t.issues) zctx.addIssue({ code: 'custom', path: at, message });
    // tags, properties and description: read from the file by the azureml-mlflow plugin (the CLI took flags).
    const extra = compact({
      tags: c.tags ?? undefined,
      properties: c.properties ?? undefined,
      description: c.description ?? undefined,
    });
    result.deployment = { ...result.deployment, ...extra };
    return result;
  });
  return parseWithSchema(schema, source);
}
