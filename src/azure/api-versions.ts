// The api-versions of Microsoft.MachineLearningServices this toolkit speaks, in one place: the default every
// ARM request carries, and the previous stable versions tried (newest first) when ARM rejects the default
// because it has not reached a region or cloud yet. The request and response shapes used here are the same
// across all of them (/work/shared/reference/azureml-rest/README.md §1).

/** Newest stable api-version, checked against the reference. */
export const DEFAULT_API_VERSION = '2026-07-01';

/** Previous stable api-versions, newest first: tried in turn when ARM rejects the default. */
export const FALLBACK_API_VERSIONS: readonly string[] = [
  '2025-12-01',
  '2025-09-01',
  '2025-06-01',
  '2024-10-01',
];

/** ARM error codes that mean "this api-version is not available here", not "this request is wrong". */
export const API_VERSION_REJECTED_CODES: ReadonlySet<string> = new Set([
  'InvalidApiVersionParameter',
  'NoRegisteredProviderFound',
  'InvalidResourceType',
]);

/** What happened when the default api-version was rejected and an older one worked. */
export interface ApiVersionFallback {
  /** The api-version ARM rejected (the default). */
  rejected: string;
  /** ARM's error code for it. */
  code: string;
  /** The api-version used from then on. */
  used: string;
}
