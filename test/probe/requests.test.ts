import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, UsageError } from '../../src/errors.ts';
import { globFiles } from '../../src/probe/glob.ts';
import { contentTypeFor, loadRequests, parseHeaderLines } from '../../src/probe/requests.ts';

async function tree(
  t: { after(fn: () => Promise<void>): void },
  files: Record<string, string>,
): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'probe-req-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  return dir;
}

describe('glob', () => {
  const files = {
    'requests/a.json': '{}',
    'requests/b.json': '{}',
    'requests/ab.json': '{}',
    'requests/notes.txt': 'x',
    'requests/.hidden.json': '{}',
    'requests/deep/c.json': '{}',
    'requests/deep/er/d.json': '{}',
    'requests/.git/e.json': '{}',
    'other/f.json': '{}',
  };

  test('* and ? stay within one folder; results are sorted', async (t) => {
    const dir = await tree(t, files);
    const rel = (list: string[]) => list.map((f) => path.relative(dir, f).split(path.sep).join('/'));
    assert.deepEqual(rel(await globFiles('requests/*.json', dir)), [
      'requests/a.json',
      'requests/ab.json',
      'requests/b.json',
    ]);
    assert.deepEqual(rel(await globFiles('requests/?.json', dir)), ['requests/a.json', 'requests/b.json']);
    assert.deepEqual(rel(await globFiles('*/f.json', dir)), ['other/f.json']);
  });

  test('** matches zero or more folders but skips dot folders and dotfiles', async (t) => {
    const dir = await tree(t, files);
    const rel = (list: string[]) => list.map((f) => path.relative(dir, f).split(path.sep).join('/'));
    assert.deepEqual(rel(await globFiles('requests/**/*.json', dir)), [
      'requests/a.json',
      'requests/ab.json',
      'requests/b.json',
      'requests/deep/c.json',
      'requests/deep/er/d.json',
    ]);
    assert.deepEqual(rel(await globFiles('**/d.json', dir)), ['requests/deep/er/d.json']);
    assert.deepEqual(rel(await globFiles('requests/.*.json', dir)), ['requests/.hidden.json']);
  });

  test('absolute patterns and patterns under a missing folder', async (t) => {
    const dir = await tree(t, files);
    assert.deepEqual(await globFiles(path.join(dir, 'other', '*.json'), '/'), [
      path.join(dir, 'other', 'f.json'),
    ]);
    assert.deepEqual(await globFiles('nowhere/*.json', dir), []);
  });
});

describe('loadRequests', () => {
  test('one request per matched file, content type by extension, names relative to the base dir', async (t) => {
    const dir = await tree(t, {
      'r/1.json': '{"data": [[1, 2]]}',
      'r/2.csv': 'a,b\n1,2\n',
      'r/3.txt': 'hello',
      'r/4.bin': '\u0001\u0002',
    });
    const requests = await loadRequests({
      requestFile: 'r/*',
      baseDir: dir,
      headers: 'X-Trace: abc\n# note\n\n',
    });
    assert.deepEqual(
      requests.map((r) => [r.name, r.contentType, r.body.toString('utf8'), r.headers]),
      [
        ['r/1.json', 'application/json', '{"data": [[1, 2]]}', { 'X-Trace': 'abc' }],
        ['r/2.csv', 'text/csv', 'a,b\n1,2\n', { 'X-Trace': 'abc' }],
        ['r/3.txt', 'text/plain', 'hello', { 'X-Trace': 'abc' }],
        ['r/4.bin', 'application/octet-stream', '\u0001\u0002', { 'X-Trace': 'abc' }],
      ],
    );
  });

  test('a plain path is one file; a Content-Type header overrides the extension', async (t) => {
    const dir = await tree(t, { 'sample.csv': 'a\n1\n' });
    const [r] = await loadRequests({
      requestFile: 'sample.csv',
      baseDir: dir,
      headers: 'content-type: text/csv; charset=utf-8',
    });
    assert.equal(r?.contentType, 'text/csv; charset=utf-8');
    assert.deepEqual(r?.headers, {});
  });

  test('a .json file that is not JSON is a ConfigError naming the file and line', async (t) => {
    const dir = await tree(t, { 'r/ok.json': '{}', 'r/bad.json': '{\n  "data": [1, 2\n}' });
    await assert.rejects(
      loadRequests({ requestFile: 'r/*.json', baseDir: dir }),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.file === 'r/bad.json' &&
        e.line === 3 &&
        /not valid JSON/.test(e.message),
    );
  });

  test('no match is a UsageError naming the pattern', async (t) => {
    const dir = await tree(t, { 'r/a.json': '{}' });
    await assert.rejects(
      loadRequests({ requestFile: 'r/*.csv', baseDir: dir }),
      (e: unknown) =>
        e instanceof UsageError &&
        e.input === 'request-file' &&
        e.message.includes('no file matches "r/*.csv"'),
    );
    await assert.rejects(
      loadRequests({ requestFile: 'missing.json', baseDir: dir }),
      /no file matches "missing.json"/,
    );
    await assert.rejects(loadRequests({ requestFile: 'r', baseDir: dir }), /request-file: "r" is not a file/);
  });

  test('request-body: JSON when it parses, else text', async () => {
    const [asJson] = await loadRequests({ requestBody: '{"data": [1]}', baseDir: '.' });
    assert.equal(asJson?.name, 'request-body');
    assert.equal(asJson?.contentType, 'application/json');
    const [asText] = await loadRequests({ requestBody: 'a,b', baseDir: '.' });
    assert.equal(asText?.contentType, 'text/plain');
    assert.equal(asText?.body.toString(), 'a,b');
  });

  test('neither or both of request-file and request-body is a usage error', async () => {
    await assert.rejects(
      loadRequests({ baseDir: '.' }),
      /request-file: give request-file .* or request-body/,
    );
    await assert.rejects(
      loadRequests({ requestFile: 'x.json', requestBody: '{}', baseDir: '.' }),
      /not both/,
    );
  });

  test('content types by extension, case-insensitive', () => {
    assert.equal(contentTypeFor('A.JSON'), 'application/json');
    assert.equal(contentTypeFor('x.parquet'), 'application/octet-stream');
  });
});

describe('headers input', () => {
  test('Name: value lines; values may contain colons; later lines win case-insensitively', () => {
    assert.deepEqual(parseHeaderLines('A: 1\r\nX-Url: http://x:1/y\n\n# c\na: 2'), {
      'X-Url': 'http://x:1/y',
      a: '2',
    });
  });

  test('a bad line names its number but never echoes its content', () => {
    assert.throws(
      () => parseHeaderLines('A: 1\nBearer s3cr3t-value'),
      (e: unknown) =>
        e instanceof UsageError &&
        e.message === 'headers: line 2: expected "Name: value" with a valid header name',
    );
    assert.throws(() => parseHeaderLines('Bad Name: x'), /line 1/);
  });
});
