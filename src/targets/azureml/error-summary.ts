// An ARM error (envelope, operation error, or a thrown error) as one sentence for the job summary and the
// failure message: the code, the message, and the most specific inner detail when it adds something.

import type { ArmErrorDetail } from '../../azure/errors.ts';
import { AzureError, OperationTimeoutError } from '../../azure/errors.ts';

const MAX_LENGTH = 400;

export function summarizeArmError(error: ArmErrorDetail | undefined): string {
  if (!error) return 'Azure gave no error details.';
  const parts: string[] = [];
  const top = clean(error.message);
  parts.push(error.code && top ? `${error.code}: ${top}` : error.code || top || 'unknown error');
  const inner = innermost(error);
  if (inner && inner !== error) {
    const text = clean(inner.message);
    if (text && !top.includes(text)) parts.push(inner.code ? `${inner.code}: ${text}` : text);
  }
  return sentence(parts.join(' - '));
}

/** A thrown error (AzureError, timeout, anything) as one sentence. */
export function summarizeThrown(error: unknown): string {
  if (error instanceof AzureError) {
    return summarizeArmError({ code: error.code, message: error.serviceMessage, details: error.details });
  }
  if (error instanceof OperationTimeoutError || error instanceof Error) return sentence(clean(error.message));
  return sentence(clean(String(error)));
}

function innermost(error: ArmErrorDetail, depth = 0): ArmErrorDetail | undefined {
  const next = (error.details ?? []).find((d) => d.message || d.code);
  if (!next || depth > 5) return error;
  return innermost(next, depth + 1);
}

function clean(text: string | undefined): string {
  return (text ?? '').replace(/\s+/g, ' ').trim();
}

function sentence(text: string): string {
  const cut = text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH - 1).trimEnd()}…` : text;
  return /[.!?…]$/.test(cut) ? cut : `${cut}.`;
}
