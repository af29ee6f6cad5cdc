// nock for a whole test file: no real network, and after each test neither an unexpected request nor an
// expected one that was never made.

import assert from 'node:assert/strict';
import { after, afterEach, before } from 'node:test';
import nock from 'nock';

export function useStrictNock(): void {
  // Every request nock could not match: a test that leaves any here made a request it should not have.
  const unmatched: string[] = [];
  const onNoMatch = (req: { method?: string; path?: string }) => unmatched.push(`${req.method} ${req.path}`);
  before(() => {
    nock.disableNetConnect();
    nock.emitter.on('no match', onNoMatch);
  });
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    assert.deepEqual(unmatched.splice(0), [], 'unexpected requests');
    assert.deepEqual(pending, [], 'requests that were expected but not made');
  });
  after(() => {
    nock.emitter.removeListener('no match', onNoMatch);
    nock.enableNetConnect();
  });
}
