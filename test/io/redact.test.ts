import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRedactor, REDACTED, SecretSet } from '../../src/io/redact.ts';

function set(...secrets: string[]): SecretSet {
  const s = new SecretSet();
  for (const v of secrets) s.add(v);
  return s;
}

/** Both APIs must give the same answer for plain secret values. */
function both(secrets: string[], text: string): [string, string] {
  return [set(...secrets).redact(text), createRedactor({ secrets }).text(text)];
}

test('a secret with JSON-escapable characters is redacted raw and in its JSON form', () => {
  const secret = 'p"a\\ss\nword-123';
  for (const text of [
    `raw: ${secret} end`,
    `json: ${JSON.stringify({ password: secret })}`,
    // JSON inside JSON (an error body quoted in a JSON artifact)
    `nested: ${JSON.stringify({ message: JSON.stringify({ password: secret }) })}`,
  ]) {
    for (const out of both([secret], text)) {
      assert.ok(!out.includes('a\\ss') && !out.includes('a\\\\ss') && !out.includes('a\\\\\\\\ss'), out);
      assert.ok(out.includes(REDACTED), out);
    }
  }
});

test('JSON escapes of .NET and Python serializers (\\u002B, \\u00e9) are redacted', () => {
  const secret = 'Abc+Def/ghé==';
  for (const text of [
    '{"key":"Abc\\u002BDef/gh\\u00E9=="}', // System.Text.Json: + and non-ASCII as upper-case \\u
    '{"key": "Abc+Def/gh\\u00e9=="}', // Python json.dumps (ensure_ascii)
  ]) {
    for (const out of both([secret], text)) assert.ok(!out.includes('Def/gh'), out);
  }
});

test('URL-encoded forms: encodeURIComponent, lower-case hex and + for space', () => {
  const secret = 'a b/c+d=e&f';
  for (const text of [
    `?k=${encodeURIComponent(secret)}`,
    `?k=${encodeURIComponent(secret).toLowerCase()}`,
    `?${new URLSearchParams({ k: secret }).toString()}`,
  ]) {
    for (const out of both([secret], text)) {
      assert.equal(out, `?k=${REDACTED}`);
    }
  }
});

test('surrounding whitespace on the secret is ignored; the text around it is kept', () => {
  for (const secret of ['  s3cr3t-value  ', '\ts3cr3t-value \n']) {
    for (const out of both([secret], 'before s3cr3t-value after\n')) {
      assert.equal(out, `before ${REDACTED} after\n`);
    }
  }
});

test('each line of a multi-line secret is a secret (a PEM key printed line by line)', () => {
  const pem =
    '-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END KEY-----';
  const text = 'log: MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nlog: BKcwggSjAgEAAoIBAQC7\n';
  for (const out of both([pem], text)) {
    assert.equal(out, `log: ${REDACTED}\nlog: ${REDACTED}\n`);
  }
});

test('one secret contained in another: the longer is replaced whole, in either order added', () => {
  for (const order of [
    ['token-abc', 'Bearer token-abc-xyz'],
    ['Bearer token-abc-xyz', 'token-abc'],
  ]) {
    for (const out of both(order, 'h: Bearer token-abc-xyz; t: token-abc')) {
      assert.equal(out, `h: ${REDACTED}; t: ${REDACTED}`);
    }
  }
});

test('overlapping secrets leave no fragment of either', () => {
  for (const out of both(['abcdXYZ1', 'XYZ1efgh'], 'x abcdXYZ1efgh y')) {
    assert.equal(out, `x ${REDACTED} y`);
  }
});

test('base64 forms of a key: alone, in Basic auth at any offset, and base64url', () => {
  const key = 'Sup3rS3cretKeyValue!';
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const b64url = (s: string) => Buffer.from(s).toString('base64url');
  const middle = b64(key).slice(4, -4);
  for (const text of [
    `k=${b64(key)}`,
    `Authorization: Basic ${b64(`user:${key}`)}`,
    `Authorization: Basic ${b64(`us:${key}`)}`,
    `Authorization: Basic ${b64(`u:${key}`)}`,
    `k=${b64url(key)}`,
  ]) {
    for (const out of both([key], text)) {
      assert.ok(out.includes(REDACTED), `${text} → ${out}`);
      // at most the two 4-character groups at the edges (which depend on the bytes around) survive
      const rest = out.replaceAll(REDACTED, ' ');
      assert.ok(!rest.includes(middle.slice(0, 8)), `${text} → ${out}`);
    }
  }
});

test('short values and empty input are not secrets; redact is identity without secrets', () => {
  const s = set('', undefined as unknown as string, 'abc', '   ');
  assert.equal(s.size, 0);
  assert.equal(s.redact('abc true 1'), 'abc true 1');
});

test('the headers redactor still masks secret headers and scheme tokens', () => {
  const r = createRedactor({
    headers: { Authorization: 'Bearer tok-123456', 'X-Auth-Token': 'zzzz-1' },
    secretHeaders: ['x-auth-token'],
  });
  assert.deepEqual(r.headers({ Authorization: 'x', 'X-Auth-Token': 'y', Other: 'echo tok-123456' }), {
    Authorization: REDACTED,
    'X-Auth-Token': REDACTED,
    Other: `echo ${REDACTED}`,
  });
  assert.deepEqual(r.deep({ a: ['zzzz-1', 1], b: { c: 'tok-123456' } }), {
    a: [REDACTED, 1],
    b: { c: REDACTED },
  });
});
