// The PUT body of a code version: the uploaded folder's URI and the content hash it was named by.

import { HASH_PROPERTY } from '../../content/content-hash.ts';
import type { CodeVersionBody } from './types.ts';

/** The code-version property that records the content hash (the same key registered models use). */
export const CODE_HASH_PROPERTY = HASH_PROPERTY;

export function codeVersionBody(codeUri: string, contentHash: string): CodeVersionBody {
  return {
    properties: {
      codeUri,
      properties: { [CODE_HASH_PROPERTY]: contentHash },
      isAnonymous: true,
      isArchived: false,
    },
  };
}
