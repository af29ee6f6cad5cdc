import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, UsageError } from '../../src/errors.ts';
import {
  buildAssertions,
  loadExpectJson,
  loadResponseSchema,
  parseExpectations,
  parseExpectStatus,
  parseResponseJson,
  statusMatches,
} from '../../src/probe/assertions.ts';
import type { ProbeOutcome } from '../../src/probe/http.ts';
import { matchJsonSubset } from '../../src/probe/json-values.ts';

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'probe-assert-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function outcome(status: number | undefined, body: string): ProbeOutcome {
  return { ...(status !== undefined ? { status } : {}), headers: {}, body: Buffer.from(body), latencyMs: 1 };
}

describe('expect-status', () => {
  test('one code, a list and a class', () => {
    const list = parseExpectStatus('200, 201');
    assert.deepEqual(list, { codes: [200, 201], classes: [], text: '200,201' });
    assert.equal(statusMatches(list, 201), true);
    assert.equal(statusMatches(list, 204), false);
    const cls = parseExpectStatus('2xx');
    assert.equal(statusMatches(cls, 204), true);
    assert.equal(statusMatches(cls, 302), false);
    assert.deepEqual(parseExpectStatus(200).codes, [200]);
    assert.deepEqual(parseExpectStatus([200, 202]).text, '200,202');
  });

  test('rejects what is not a status, naming the input', () => {
    assert.throws(
      () => parseExpectStatus('200,ok'),
      (e: unknown) =>
        e instanceof UsageError &&
        e.message === 'expect-status: "ok" is not an HTTP status (use e.g. 200, 200,201 or 2xx)',
    );
    assert.throws(() => parseExpectStatus('600'), UsageError);
  });

  test('the status assertion reports the status or the transport error', () => {
    const [status] = buildAssertions({ expectStatus: parseExpectStatus('200'), expectations: [] });
    assert.equal(status!.text, 'status 200');
    assert.equal(status!.check(parseResponseJson(outcome(200, '{}'))), undefined);
    assert.equal(
      status!.check(parseResponseJson(outcome(503, '')))?.first.message,
      'status: expected 200, got 503',
    );
    const refused: ProbeOutcome = {
      ...outcome(undefined, ''),
      errorClass: 'connection-refused',
      error: 'connect ECONNREFUSED',
    };
    assert.equal(
      status!.check(parseResponseJson(refused))?.first.message,
      'status: expected 200, got connection-refused (connect ECONNREFUSED)',
    );
  });
});

describe('expect-json subset', () => {
  test('extra keys in the response are fine; nested objects recurse', () => {
    assert.deepEqual(matchJsonSubset({ a: 1, b: { c: 'x' } }, { a: 1, b: { c: 'x', d: 2 }, e: 3 }), []);
  });

  test('missing keys, different values and type changes are each reported with their path', () => {
    assert.deepEqual(
      matchJsonSubset({ a: 1, b: { c: 'x', z: null }, n: 1 }, { a: 2, b: { c: 'x' }, n: '1' }),
      [
        { path: '$.a', expected: '1', actual: '2' },
        { path: '$.b.z', expected: 'null', actual: 'nothing' },
        { path: '$.n', expected: '1', actual: '"1"' },
      ],
    );
  });

  test('arrays: same length, element-wise by index, elements matched as subsets', () => {
    assert.deepEqual(matchJsonSubset([{ id: 1 }, 2], [{ id: 1, extra: true }, 2]), []);
    assert.deepEqual(matchJsonSubset([1, 2], [1, 2, 3]), [
      { path: '$', expected: 'an array of length 2', actual: 'length 3' },
    ]);
    assert.deepEqual(matchJsonSubset({ p: [1, 2] }, { p: [2, 1] }), [
      { path: '$.p[0]', expected: '1', actual: '2' },
      { path: '$.p[1]', expected: '2', actual: '1' },
    ]);
    assert.deepEqual(matchJsonSubset({ p: [1] }, { p: { 0: 1 } }), [
      { path: '$.p', expected: 'an array', actual: 'an object {"0":1}' },
    ]);
  });

  test('numbers compare exactly', () => {
    assert.deepEqual(matchJsonSubset({ x: 0.3 }, { x: 0.1 + 0.2 }), [
      { path: '$.x', expected: '0.3', actual: '0.30000000000000004' },
    ]);
  });

  test('as an assertion: counted once per response with the first mismatch and how many more', () => {
    const assertions = buildAssertions({
      expectStatus: parseExpectStatus('200'),
      expectJson: { a: 1, b: 2 },
      expectations: [],
    });
    const subset = assertions.find((a) => a.text === 'expect-json')!;
    const verdict = subset.check(parseResponseJson(outcome(200, '{"a":0,"b":0}')));
    assert.equal(verdict?.count, 2);
    assert.equal(verdict?.first.message, '$.a: expected 1, got 0');
  });

  test('a malformed JSON response is a clear failure, not a crash', () => {
    const assertions = buildAssertions({
      expectStatus: parseExpectStatus('200'),
      expectJson: { a: 1 },
      expectations: [],
    });
    const subset = assertions.find((a) => a.text === 'expect-json')!;
    const verdict = subset.check(parseResponseJson(outcome(200, '{"a": 1,,}')));
    assert.match(verdict!.first.message, /^\$: expected a JSON body, got invalid JSON \(.+\): \{"a": 1,,\}$/);
    assert.equal(verdict!.first.op, 'json');
    assert.equal(
      subset.check(parseResponseJson(outcome(200, '')))?.first.message,
      '$: expected a JSON body, got an empty body',
    );
  });

  test('a JSON null subset is checked when hasExpectJson says it was given', () => {
    const assertions = buildAssertions({
      expectStatus: parseExpectStatus('200'),
      expectJson: null,
      hasExpectJson: true,
      expectations: [],
    });
    const subset = assertions.find((a) => a.text === 'expect-json')!;
    assert.equal(subset.check(parseResponseJson(outcome(200, 'null'))), undefined);
    assert.equal(
      subset.check(parseResponseJson(outcome(200, '1')))?.first.message,
      '$: expected null, got 1',
    );
  });

  test('loadExpectJson: inline JSON, a file, and errors naming the input or the file and line', async (t) => {
    const dir = await tempDir(t);
    await writeFile(path.join(dir, 'expected.json'), '{"a": 1}');
    await writeFile(path.join(dir, 'broken.json'), '{\n  "a": 1,\n  oops\n}');
    assert.deepEqual(await loadExpectJson(' {"a": [1]} ', dir), { a: [1] });
    assert.deepEqual(await loadExpectJson('expected.json', dir), { a: 1 });
    await assert.rejects(
      loadExpectJson('{"a": ', dir),
      (e: unknown) => e instanceof UsageError && e.input === 'expect-json',
    );
    await assert.rejects(
      loadExpectJson('nothing.json', dir),
      /expect-json: "nothing.json" is neither inline JSON nor a readable file/,
    );
    await assert.rejects(
      loadExpectJson('broken.json', dir),
      (e: unknown) => e instanceof ConfigError && e.file === 'broken.json' && e.line === 3,
    );
  });
});

describe('expect-schema', () => {
  const draft07 = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    required: ['predictions'],
    properties: { predictions: { type: 'array', items: { type: 'number' }, minItems: 1 } },
  };
  const draft2020 = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties: {
      pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'integer' }], items: false },
    },
    required: ['pair'],
  };

  test('draft-07: a valid response passes, an invalid one names the place', async (t) => {
    const dir = await tempDir(t);
    await writeFile(path.join(dir, 's.json'), JSON.stringify(draft07));
    const schema = await loadResponseSchema('s.json', dir);
    assert.deepEqual(schema.validate({ predictions: [1, 2.5] }), []);
    assert.deepEqual(
      schema.validate({ predictions: [1, 'x'] }).map((f) => f.message),
      ['$.predictions[1]: must be number, got string "x"'],
    );
    assert.deepEqual(
      schema.validate({}).map((f) => f.message),
      ["$: must have required property 'predictions', got an object {}"],
    );
  });

  test('draft 2020-12 keywords (prefixItems) are understood', async (t) => {
    const dir = await tempDir(t);
    await writeFile(path.join(dir, 's.json'), JSON.stringify(draft2020));
    const schema = await loadResponseSchema('s.json', dir);
    assert.deepEqual(schema.validate({ pair: ['a', 1] }), []);
    assert.deepEqual(
      schema.validate({ pair: ['a', 1.5] }).map((f) => f.message),
      ['$.pair[1]: must be integer, got number 1.5'],
    );
    assert.equal(schema.validate({ pair: ['a', 1, 2] }).length, 1);
  });

  test('as an assertion it is named after the file', async (t) => {
    const dir = await tempDir(t);
    await writeFile(path.join(dir, 's.json'), JSON.stringify(draft07));
    const schema = await loadResponseSchema('s.json', dir);
    const assertions = buildAssertions({ expectStatus: parseExpectStatus('200'), expectations: [], schema });
    const a = assertions.find((x) => x.text === 'expect-schema s.json')!;
    assert.equal(a.check(parseResponseJson(outcome(200, '{"predictions":[1]}'))), undefined);
    assert.equal(a.check(parseResponseJson(outcome(200, '{"predictions":[]}')))?.first.path, '$.predictions');
  });

  test('broken schema files are ConfigErrors naming the file', async (t) => {
    const dir = await tempDir(t);
    await writeFile(path.join(dir, 'bad.json'), '{"type": "object",\n}');
    await writeFile(path.join(dir, 'wrong.json'), '{"type": "nonsense"}');
    await writeFile(path.join(dir, 'draft3.json'), '{"$schema": "http://json-schema.org/draft-03/schema#"}');
    await assert.rejects(
      loadResponseSchema('bad.json', dir),
      (e: unknown) => e instanceof ConfigError && e.file === 'bad.json' && e.line === 2,
    );
    await assert.rejects(loadResponseSchema('wrong.json', dir), /wrong.json: not a usable JSON Schema/);
    await assert.rejects(
      loadResponseSchema('draft3.json', dir),
      /draft3.json: \$schema: unsupported \$schema/,
    );
    await assert.rejects(loadResponseSchema('absent.json', dir), /absent.json: cannot read the schema/);
  });
});

describe('expect lines as assertions', () => {
  test('each line is one assertion named by its text; [*] failures are counted in one verdict', () => {
    const assertions = buildAssertions({
      expectStatus: parseExpectStatus('200'),
      expectations: parseExpectations('$.p[*] type integer\n$.p length 3'),
    });
    assert.deepEqual(
      assertions.map((a) => [a.text, a.expected]),
      [
        ['status 200', '200'],
        ['$.p[*] type integer', 'type integer'],
        ['$.p length 3', 'length 3'],
      ],
    );
    const verdict = assertions[1]!.check(parseResponseJson(outcome(200, '{"p":[1.5,2,2.5]}')));
    assert.equal(verdict?.count, 2);
    assert.equal(verdict?.first.message, '$.p[0]: expected type integer, got number 1.5');
    assert.equal(assertions[2]!.check(parseResponseJson(outcome(200, '{"p":[1.5,2,2.5]}'))), undefined);
  });
});
