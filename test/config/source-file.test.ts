import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { parseSourceText, readSourceFile } from '../../src/config/source-file.ts';
import { loadV1DeploymentConfig } from '../../src/config/v1-deployment.ts';
import { loadV2Deployment } from '../../src/config/v2-deployment.ts';
import { loadV2Endpoint } from '../../src/config/v2-endpoint.ts';
import { configErrorOf, FIXTURES, tempTree } from './helpers.ts';

test('scalars follow PyYAML (YAML 1.1) as az ml reads them, and str() gives what the REST body carries', () => {
  // The table of azureml-yaml §1.1: YAML scalar → the string az ml sends in a string map.
  const rows: [string, unknown, string][] = [
    ['on', true, 'True'],
    ['yes', true, 'True'],
    ['TRUE', true, 'True'],
    ['true', true, 'True'],
    ['off', false, 'False'],
    ['no', false, 'False'],
    ['0777', 511, '511'],
    ['0x1F', 31, '31'],
    ['1_000', 1000, '1000'],
    ['1:30', 90, '90'],
    ['1.10', 1.1, '1.1'],
    ['1.0e+3', 1000, '1000.0'],
    ['1e3', '1e3', '1e3'],
    ['1.0e3', '1.0e3', '1.0e3'],
    ['.inf', Number.POSITIVE_INFINITY, 'inf'],
    ['2024-01-01', new Date(Date.UTC(2024, 0, 1)), '2024-01-01'],
    ['[1,2]', [1, 2], '[1, 2]'],
    ['{x: 1}', { x: 1 }, "{'x': 1}"],
    // PyYAML (unlike the yaml package's 1.1 schema) does not read y/n as booleans.
    ['y', 'y', 'y'],
    ['n', 'n', 'n'],
    ['1.0', 1, '1.0'],
    // A big int keeps its exact digits in str(), though the JS value is rounded.
    ['12345678901234567890', Number('12345678901234567890'), '12345678901234567890'],
    ["'on'", 'on', 'on'],
  ];
  const text = rows.map(([scalar], i) => `k${i}: ${scalar}`).join('\n');
  const source = parseSourceText(text, 'tags.yml');
  rows.forEach(([scalar, value, str], i) => {
    assert.deepEqual(source.valueAt([`k${i}`]), value, `value of ${scalar}`);
    assert.equal(source.pythonStrAt([`k${i}`]), str, `str() of ${scalar}`);
  });
});

test('a key written n or y stays a string key', () => {
  const source = parseSourceText('n: 1\ny: 2\n', 'f.yml');
  assert.deepEqual(source.value, { n: 1, y: 2 });
});

test('positions: map entries point at their key, list items at the item, absent fields at the nearest ancestor', () => {
  const source = parseSourceText(
    [
      'name: blue',
      'request_settings:',
      '  request_timeout_ms: 90',
      'traffic:',
      '  blue: 90',
      'items:',
      '  - a',
      '  - b: 1',
    ].join('\n'),
    'd.yml',
  );
  assert.deepEqual(source.positionOf(['request_settings', 'request_timeout_ms']), { line: 3, column: 3 });
  assert.equal(source.positionOf(['traffic', 'blue']).line, 5);
  assert.equal(source.positionOf(['items', 1, 'b']).line, 8);
  assert.equal(source.positionOf(['request_settings', 'missing']).line, 2);
  assert.equal(source.positionOf(['missing']).line, 1);
  assert.deepEqual(source.pathOf(source.valueAt(['items', 1]) as object), ['items', 1]);
});

test('JSON is read by the same parser, tabs and all, with positions', () => {
  const source = parseSourceText(
    '{\n\t"computeType": "ACI",\n\t"containerResourceRequirements": {\n\t\t"cpu": 0.5\n\t}\n}\n',
    'dc.json',
  );
  assert.deepEqual(source.value, { computeType: 'ACI', containerResourceRequirements: { cpu: 0.5 } });
  assert.equal(source.positionOf(['containerResourceRequirements', 'cpu']).line, 4);
});

test('a syntax error names the file, the line and the parser reason', () => {
  const err = configErrorOf(() =>
    parseSourceText('name: blue\nmodel:\n  path: x\n bad: 1\n', 'deployment.yml'),
  );
  assert.equal(
    err.message,
    'deployment.yml:4: syntax error: All mapping items must start at the same column',
  );
  assert.equal(err.line, 4);
});

test('a broken JSON file names its line', () => {
  const err = configErrorOf(() => parseSourceText('{\n  "a": 1,\n  "b": [1, 2\n}\n', 'c.json'));
  assert.equal(err.file, 'c.json');
  assert.match(err.message, /^c\.json:\d+: syntax error: /);
});

test('duplicate keys are an error at the second one', () => {
  const err = configErrorOf(() => parseSourceText('name: a\ntags: {}\nname: b\n', 'endpoint.yml'));
  assert.equal(err.message, "endpoint.yml:3: duplicate key 'name'");
});

test('an unknown tag is an error, as in PyYAML safe_load', () => {
  const err = configErrorOf(() => parseSourceText('name: !python/name:os.system x\n', 'e.yml'));
  assert.match(err.message, /^e\.yml:1: unsupported tag/);
});

test('an empty file, a comment-only file and a file with only --- are "file is empty"', () => {
  for (const text of ['', '# nothing here\n', '---\n', '~\n']) {
    assert.equal(configErrorOf(() => parseSourceText(text, 'x.yml')).message, 'x.yml: file is empty');
  }
});

test('a mapping or list used as a key is an error, as in PyYAML', () => {
  assert.equal(
    configErrorOf(() => parseSourceText('name: x\n? [a, b]\n: 1\n', 'k.yml')).message,
    'k.yml:2: a key cannot be a mapping or a list',
  );
  assert.equal(
    configErrorOf(() => parseSourceText('{ {a: 1}: 2 }', 'k.json')).message,
    'k.json:1: a key cannot be a mapping or a list',
  );
});

test('several YAML documents in one file are an error', () => {
  assert.match(
    configErrorOf(() => parseSourceText('a: 1\n---\nb: 2\n', 'x.yml')).message,
    /^x\.yml:2: syntax error: /,
  );
});

test('an alias bomb stops with a ConfigError instead of expanding', () => {
  const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 0; i < 8; i++) {
    const prev = String.fromCharCode(97 + i);
    lines.push(
      `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${prev}`).join(', ')}]`,
    );
  }
  const err = configErrorOf(() => parseSourceText(lines.join('\n'), 'bomb.yml'));
  assert.match(err.message, /^bomb\.yml:1: cannot load: /);
});

test('a missing file and a folder are ConfigErrors naming the file', async (t) => {
  const dir = await tempTree(t, { 'sub/x.yml': 'a: 1\n' });
  const missing = path.join(dir, 'nope.yml');
  assert.equal(configErrorOf(() => readSourceFile(missing)).message, `${missing}: file not found`);
  const folder = path.join(dir, 'sub');
  assert.equal(configErrorOf(() => readSourceFile(folder)).message, `${folder}: is a folder, not a file`);
  assert.deepEqual(readSourceFile(path.join(dir, 'sub/x.yml')).value, { a: 1 });
});

test('a UTF-8 BOM is ignored', () => {
  assert.deepEqual(parseSourceText('\uFEFFname: blue\n', 'b.yml').value, { name: 'blue' });
});

test('the broken fixtures fail with their line and reason', () => {
  const broken = (name: string) => path.join(FIXTURES, 'broken', name);
  const cases: [() => unknown, string, string][] = [
    [
      () => loadV2Deployment(broken('bad-indent-deployment.yml')),
      'bad-indent-deployment.yml',
      ':6: syntax error: All mapping items must start at the same column',
    ],
    [
      () => loadV2Endpoint(broken('duplicate-key-endpoint.yml')),
      'duplicate-key-endpoint.yml',
      ":5: duplicate key 'auth_mode'",
    ],
    [() => loadV2Endpoint(broken('empty-endpoint.yml')), 'empty-endpoint.yml', ': file is empty'],
    [
      () => loadV2Deployment(broken('tab-indent-deployment.yml')),
      'tab-indent-deployment.yml',
      ':3: syntax error: Tabs are not allowed as indentation',
    ],
    [
      () => loadV2Deployment(broken('wrong-types-deployment.yml')),
      'wrong-types-deployment.yml',
      ':4: instance_count: expected a number',
    ],
  ];
  for (const [load, name, rest] of cases) assert.equal(configErrorOf(load).message, `${broken(name)}${rest}`);
  const json = configErrorOf(() => loadV1DeploymentConfig(broken('unterminated-deploymentconfig.json')));
  assert.match(json.message, /unterminated-deploymentconfig\.json:\d+: syntax error: /);
});
