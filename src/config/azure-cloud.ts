// The public Azure cloud's endpoints and the Azure ML api-versions: the defaults of the `arm-endpoint`,
// `authority-host` and `api-version` inputs and of the Azure client code, stated once. A tiny module with no imports, so an action's input definitions (and
// `--help`) can name them without loading the Azure client stack.

export const DEFAULT_ARM_ENDPOINT = 'https://management.azure.com';
export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';

/** Newest stable api-version of Microsoft.MachineLearningServices, checked against the REST reference. */
export const DEFAULT_API_VERSION = '2026-07-01';

/** Previous stable api-versions, newest first: tried in turn when ARM rejects the default. */
export const FALLBACK_API_VERSIONS: readonly string[] = [
  '2025-12-01',
  '2025-09-01',
  '2025-06-01',
  '2024-10-01',
];
