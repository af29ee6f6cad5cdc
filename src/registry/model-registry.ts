// The registry seam: the local folder registry now, Azure ML's model versions behind the same interface.

import type { ModelSpec } from '../config/spec.ts';
import { clip } from '../io/clip.ts';

export interface RegisteredModel {
  name: string;
  version: string;
  /** `azureml:NAME:VERSION` */
  id: string;
  /** ARM id (Azure) or the version folder (local). */
  assetId: string;
  uri: string;
  contentHash: string;
  reused: boolean;
  bytesUploaded: number;
  /** Local registry: the folder to use as AZUREML_MODEL_DIR. */
  localDir?: string;
  /** Local registry: the model type it was registered with (custom_model, mlflow_model, triton_model). */
  type?: string;
}

export interface RegisterOptions {
  dedupe: boolean;
  /** Include what symlinks leaving the model folder point at (the `follow-symlinks` input); default false. */
  followSymlinks?: boolean;
}

export interface ModelRegistry {
  register(spec: ModelSpec, opts: RegisterOptions): Promise<RegisteredModel>;
  /** A version, or the latest when version is undefined; undefined when there is none. */
  resolve(name: string, version?: string): Promise<RegisteredModel | undefined>;
  /** Returns false when the version did not exist. */
  delete(name: string, version: string): Promise<boolean>;
}

/** Azure ML asset name rule (models, environments, code). */
export const ASSET_NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,254}$/;
export const ASSET_VERSION = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,127}$/;

export function assetNameProblem(kind: string, name: string): string | undefined {
  if (!ASSET_NAME.test(name)) {
    return `${kind} name '${clip(name)}' is not valid: use letters, digits, '-', '_' and '.', starting with a letter or digit (at most 255 characters)`;
  }
  return undefined;
}

export function versionProblem(version: string): string | undefined {
  if (!ASSET_VERSION.test(version)) {
    return `version '${clip(version)}' is not valid: use letters, digits, '-', '_' and '.', starting with a letter or digit`;
  }
  return undefined;
}
