// The api-versions of Microsoft.MachineLearningServices this toolkit speaks, in one place: the default every
// ARM request carries, and the previous stable versions tried (newest first) when ARM rejects the default
// because it has not reached a region or cloud yet. The request and response shapes used here are the same
// across all of them (the Azure ML REST reference, §1 of its README).

// Stated in config/azure-cloud.ts, a module without imports, so the input definitions can name them.
export { DEFAULT_API_VERSION, FALLBACK_API_VERSIONS } from '../config/azure-cloud.ts';

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
