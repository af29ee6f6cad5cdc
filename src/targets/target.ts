// The Target seam: what differs between Azure ML and this machine lives behind it, so an action reads its
// inputs, opens a target (src/targets/open-target.ts), calls it and writes outputs and the report.

import type { Dispatcher } from 'undici';
import type {
  BatchDeploymentSpec,
  BatchEndpointSpec,
  CodeConfiguration,
  ConfigNote,
  DeploymentSpec,
  EndpointKind,
  EndpointSpec,
  EnvironmentRef,
  ModelRef,
  ModelSpec,
} from '../config/spec.ts';
import { ActionFailure } from '../errors.ts';
import type { ActionIO } from '../io/action-io.ts';
import type { ProbeRequest } from '../probe/requests.ts';
import type { ModelRegistry } from '../registry/model-registry.ts';
import type { Report, ReportSection } from '../report/report.ts';
import type { RunDeps } from '../run-deps.ts';

export type TargetKind = 'local' | 'azureml';

/** A run's outside world, plus the door to the runner (log, secrets, ID tokens, state for `post:`). */
export interface TargetDeps extends RunDeps {
  io: ActionIO;
}

/** Config files and inputs merged (inputs win): the one deployment request every target takes. */
export interface DeployRequest {
  /** Default online. Batch: the fields below are the shared ones, `batch` holds the batch files' own. */
  endpointKind?: EndpointKind;
  endpointName: string;
  deploymentName: string;
  endpoint: Partial<EndpointSpec>;
  /** The deployment file's fields, with the inputs that override them (instance type and count) applied. */
  deployment: Partial<DeploymentSpec>;
  /** Kubernetes compute: the `compute-name` input, else a v1 AKS `computeTargetName`. */
  computeName?: string;
  model?: ModelRef;
  code?: CodeConfiguration;
  environment?: EnvironmentRef;
  environmentVariables: Record<string, string>;
  port?: number;
  /** Batch endpoint and deployment files as read (compute, resources, job settings, the default deployment). */
  batch?: { endpoint?: Partial<BatchEndpointSpec>; deployment?: Partial<BatchDeploymentSpec> };
  notes: ConfigNote[];
}

/** How to roll out, from the inputs. Rollout settings are Azure ML's; the local target warns and ignores them. */
export interface DeployOptions {
  timeoutMinutes: number;
  dryRun: boolean;
  /** The `traffic` input as given (`all`, `none`, `blue-green`, `canary=N`, `blue=90,green=10`). */
  traffic?: string;
  /** The `mirror-traffic` input as given. */
  mirrorTraffic?: string;
  /** Requests the new deployment must answer before traffic moves (blue-green, canary). */
  smokeRequests?: ProbeRequest[];
  /**
   * The pipeline's rule: with no `traffic` input and an endpoint already serving another deployment, bring the
   * new one up at 0 %, smoke test it, then give it the traffic (blue-green); else deploy in place.
   */
  gateWhenServing?: boolean;
  rollbackOnFailure: boolean;
  deleteFailedDeployment: boolean;
  /** Include what symlinks leaving a model or code folder point at (else they are refused). */
  followSymlinks: boolean;
  /** `traffic: progressive=…`: how long each step waits, how it probes, and what stops it. */
  progressive: ProgressiveSettings;
  /** Local target: `auto` (azmlinfsrv, else the bundled host) or `docker`. */
  runtime: 'auto' | 'docker';
  /** Local target: the Python interpreter. */
  python?: string;
}

/** The step inputs of `traffic: progressive=…` (Azure ML; the local target refuses progressive). */
export interface ProgressiveSettings {
  /** After each step's traffic update, before its probes. */
  stepWaitSeconds: number;
  /** Requests each step sends to each of the two deployments. */
  stepRequests: number;
  /** A step fails when the new deployment's error rate exceeds the old one's by more (0.01 = 1 point). */
  maxErrorRateIncrease: number;
  /** A step fails when the new p95 exceeds this times the old p95 (and by more than a small floor). */
  maxLatencyRatio: number;
  /** Mirror live traffic to the new deployment this long before the first step (0: no mirror phase). */
  mirrorFirstSeconds: number;
}

/** One deployment's figures in a step of a progressive rollout. */
export interface StepProbeFigures {
  deployment: string;
  requests: number;
  /** Transport failures and responses with an unexpected status. */
  errors: number;
  errorRate: number;
  /** null when no response came back. */
  p50Ms: number | null;
  p95Ms: number | null;
  /** Why it was not ready, when it was not. */
  note?: string;
}

/** One step of a progressive rollout: the `steps` output and a row of the job summary's table. */
export interface RolloutStep {
  /** 1-based; 0 is the mirror phase. */
  step: number;
  phase: 'mirror' | 'traffic';
  /** The new deployment's live share (its mirror share in the mirror phase). */
  share: number;
  /** The maps written for the step. */
  traffic: Record<string, number>;
  mirrorTraffic: Record<string, number>;
  old: StepProbeFigures;
  new: StepProbeFigures;
  verdict: 'passed' | 'failed';
  /** Why it failed (each with the figures that decided it). */
  reasons: string[];
  /** Where the step's time went (on the run's clock): the traffic update, the wait, the probes, all of it. */
  durationsMs: { traffic: number; wait: number; probe: number; total: number };
}

/** What deploy-model reports, whatever the target. */
export interface DeployOutcome {
  endpointName: string;
  deploymentName: string;
  state: 'Transitioning' | 'Healthy' | 'Unhealthy' | 'Unschedulable' | 'Failed';
  provisioningState: string;
  changed: boolean;
  scoringUri?: string;
  swaggerUri?: string;
  logsFile?: string;
  /** The `plan` output: what was (or, dry run, would be) done. */
  plan: object;
  traffic?: Record<string, number>;
  previousTraffic?: Record<string, number>;
  /** progressive: one entry per step run (also when one failed). */
  steps?: RolloutStep[];
}

/** A deployment that did not reach Healthy: the outcome is still reported (outputs, summary). */
export class DeployFailure extends ActionFailure {
  override name = 'DeployFailure';
  readonly outcome: DeployOutcome;
  constructor(message: string, outcome: DeployOutcome) {
    super(message);
    this.outcome = outcome;
  }
}

/** A deployment checked and ready to run: nothing was written to make it. */
export interface PreparedDeployment {
  readonly endpointName: string;
  readonly deploymentName: string;
  /** Deploy this model instead (the pipeline registers first). */
  useModel(ref: ModelRef): void;
  /** Deploys, waits for a terminal state, records the report section; throws DeployFailure when it fails. */
  deploy(report: Report, section: ReportSection): Promise<DeployOutcome>;
}

export type ScoringAuth = 'auto' | 'key' | 'aml-token' | 'aad' | 'none';

export interface ScoringQuery {
  endpointName: string;
  deploymentName?: string;
  auth: ScoringAuth;
  /** false: the caller brings its own key or token, so none is looked up. */
  lookUpCredentials: boolean;
}

/** Where scoring requests go, and the auth headers the target adds. */
export interface ScoringService {
  scoringUri: string;
  headers: Record<string, string>;
  label: string;
  /** The HTTP dispatcher the target's own calls use (proxy settings, the recorder). */
  dispatcher?: Dispatcher;
}

export interface DeleteRequest {
  endpointName?: string;
  /** Only this deployment of `endpointName`. */
  deploymentName?: string;
  /** Move the deployment's traffic away first instead of refusing (Azure ML). */
  force: boolean;
  model?: { name: string; version: string; action: 'archive' | 'delete' };
  sweep?: { prefix: string; olderThanHours: number };
  /** Deleting what is already gone is success. */
  ignoreMissing: boolean;
  /** Wait until the resources are gone (Azure ML); false only starts the deletes. */
  wait: boolean;
}

export interface DeleteResult {
  /** `deployment:EP/NAME`, `endpoint:NAME`, `model:NAME:VERSION`. */
  deleted: string[];
  /** What was already gone. */
  missing: string[];
}

/** Something asked to be deleted does not exist (and ignore-missing is false); what was deleted is kept. */
export class MissingResourceError extends ActionFailure {
  override name = 'MissingResourceError';
  readonly result: DeleteResult;
  constructor(message: string, result: DeleteResult) {
    super(message);
    this.result = result;
  }
}

/** A batch scoring job on a batch endpoint (smoke-test-service with batch-input). */
export interface BatchJobRequest {
  endpointName: string;
  /** A deployment other than the endpoint's default (sent as `azureml-model-deployment`). */
  deploymentName?: string;
  /** An absolute local file or folder (uploaded as the job's data input), or an azureml:// / https:// URI. */
  input: string;
  /** The outputs are downloaded into `<outputRoot>/<job name>`. */
  outputRoot: string;
  timeoutMinutes: number;
  /** Include what symlinks leaving the input folder point at (else they are refused). */
  followSymlinks?: boolean;
}

export type BatchJobState = 'Completed' | 'Failed' | 'Canceled';

export interface BatchJobResult {
  jobName: string;
  state: BatchJobState;
  /** Local folder with the job's outputs (whatever there is, also after a failure). */
  outputDir: string;
  /** The output files, relative to outputDir, sorted. */
  files: string[];
  /** The deployment's output file (`output_file_name`, default predictions.csv) when it wrote one. */
  outputFile?: string;
  /** Why the job failed, in a sentence or a few lines (failed mini-batches name their files). */
  error?: string;
  /** The end of the job's log (local: the driver's output), secrets redacted. */
  logTail?: string;
  logFile?: string;
  /** Where a person can look at the job (Azure ML studio). */
  link?: string;
  /** Per-state facts for the summary: input, deployment, mini-batches, duration. */
  facts: { label: string; value: string }[];
}

/** The job did not reach a terminal state within timeout-minutes (it may still be running). */
export class BatchJobTimeout extends ActionFailure {
  override name = 'BatchJobTimeout';
  readonly jobName: string;
  readonly lastState: string;
  constructor(message: string, jobName: string, lastState: string) {
    super(message);
    this.jobName = jobName;
    this.lastState = lastState;
  }
}

/** The `post:` state key under which a rollout in progress records what to restore after a cancel. */
export const RESTORE_STATE = 'restore-traffic';

export interface Target {
  readonly kind: TargetKind;
  /** Where the work happens, for reports: `local`, `Azure ML workspace W`. */
  readonly label: string;
  registry(): Promise<ModelRegistry>;
  /** Checks everything that can be checked without a write (files, inputs, read-only look-ups). */
  prepareDeploy(request: DeployRequest, options: DeployOptions): Promise<PreparedDeployment>;
  /** The scoring URI of an endpoint (or one of its deployments) and the auth headers it needs. */
  scoring(query: ScoringQuery): Promise<ScoringService>;
  delete(request: DeleteRequest, onProgress: (line: string) => void): Promise<DeleteResult>;
  /**
   * Runs a scoring job on a batch endpoint and waits for it (within timeoutMinutes): the input uploaded when
   * local, the outputs downloaded. A job that ends Failed or Canceled is a result, not a throw.
   */
  runBatchJob(request: BatchJobRequest, onProgress: (line: string) => void): Promise<BatchJobResult>;
  /** The `post:` step of a cancelled run: put back what the rollout recorded under RESTORE_STATE. */
  restoreAfterCancel(saved: string): Promise<void>;
  /** What the run learned about the target that a reader of the summary should know (an api-version fallback). */
  notes(): string[];
}

/** The name of an inline model (a path): merge-spec names every one (`<endpoint>-<deployment>-model`). */
export function inlineModelNameOf(ref: { name?: string | undefined; path: string }): string {
  if (!ref.name) throw new Error(`internal: the inline model ${ref.path} reached the target without a name`);
  return ref.name;
}

/** The model spec an inline model is registered from, on either target (no tags or properties of its own). */
export function inlineModelSpec(ref: Extract<ModelRef, { kind: 'path' }>): ModelSpec {
  return {
    name: inlineModelNameOf(ref),
    ...(ref.version ? { version: ref.version } : {}),
    type: ref.type ?? 'custom_model',
    path: ref.path,
    tags: {},
    properties: {},
  };
}
