// Azure ML provisioning states → the seed's service-state vocabulary (ARCHITECTURE.md "Key seams").

import type { ArmErrorDetail } from '../../azure/errors.ts';

export type SeedState = 'Transitioning' | 'Healthy' | 'Unhealthy' | 'Unschedulable' | 'Failed';

const CAPACITY_CODE =
  /quota|capacity|SkuNotAvailable|NotEnoughResource|InsufficientResource|ResourceNotAvailable/i;
const CAPACITY_TEXT =
  /not enough quota|quota (?:exceeded|limit)|out of (?:quota|capacity)|insufficient (?:quota|capacity)|capacity (?:is )?(?:not available|exhausted)/i;

/** Creating/Updating/Scaling → Transitioning; Succeeded → Healthy; Failed/Canceled → Failed or, for
 * quota and capacity errors, Unschedulable. */
export function seedState(provisioningState: string | undefined, error?: ArmErrorDetail): SeedState {
  switch ((provisioningState ?? '').toLowerCase()) {
    case 'succeeded':
      return 'Healthy';
    case 'failed':
    case 'canceled':
    case 'cancelled':
      return error && isCapacityError(error) ? 'Unschedulable' : 'Failed';
    case 'creating':
    case 'updating':
    case 'scaling':
    case 'deleting':
      return 'Transitioning';
    default:
      return error ? (isCapacityError(error) ? 'Unschedulable' : 'Failed') : 'Transitioning';
  }
}

/** OutOfQuota, QuotaExceeded, OutOfCapacity, SkuNotAvailable, ... anywhere in the error tree. */
export function isCapacityError(error: ArmErrorDetail, depth = 0): boolean {
  if (depth > 5) return false;
  if (CAPACITY_CODE.test(error.code ?? '') || CAPACITY_TEXT.test(error.message ?? '')) return true;
  return (error.details ?? []).some((d) => isCapacityError(d, depth + 1));
}
