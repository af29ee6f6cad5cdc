import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertionsTable } from '../../src/report/assertions.ts';
import { Report } from '../../src/report/report.ts';
import { renderSummary } from '../../src/report/summary.ts';

test('passing assertions show their actual value; the result column has a header', () => {
  const table = assertionsTable([
    {
      name: 'sample-request.json',
      statusCode: 200,
      assertions: [
        { text: 'status 200', passed: true, expected: '200' },
        { text: '$.predictions length 2', passed: true, expected: 'length 2', actual: 'length 2' },
        {
          text: '$.predictions[0] ~= 11055.97 ± 0.01',
          passed: true,
          expected: '11055.97 ± 0.01',
          actual: '11055.974',
        },
        { text: '$.label == "yes"', passed: false, expected: '"yes"', actual: '"no"' },
        { text: '$.other type string', passed: false, expected: 'type string' },
      ],
    },
  ]);
  assert.ok(table);
  assert.deepEqual(table.columns, ['Request', 'Assertion', 'Result', 'Expected', 'Actual']);
  assert.deepEqual(
    table.rows.map((r) => r[4]),
    ['200', 'length 2', '11055.974', '"no"', '—'],
  );
  assert.ok(
    table.columns.every((c) => c !== ''),
    'no empty header cell',
  );
  const report = new Report(() => 0);
  report.section('smoke-test-service', 'Smoke test ep').tables.push(table);
  const md = renderSummary(report);
  assert.match(md, /\| sample-request\.json \| status 200 \| ✅ \| 200 \| 200 \|/);
  assert.match(
    md,
    /\| \$\.predictions\[0\] ~= 11055\.97 ± 0\.01 \| ✅ \| 11055\.97 ± 0\.01 \| 11055\.974 \|/,
  );
});

test('no assertions, no table', () => {
  assert.equal(assertionsTable([{ name: 'r.json', assertions: [] }]), undefined);
});
