import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addFacts, fact, Report } from '../../src/report/report.ts';
import { formatElapsed, renderSummary } from '../../src/report/summary.ts';

test('a section renders status, facts, error with log tail, tables and timeline', () => {
  let now = 1_000;
  const report = new Report(() => now);
  const s = report.section('deploy-model', 'Deploy demo/blue');
  addFacts(
    s,
    fact('Scoring URI', 'http://127.0.0.1:5001/score', { code: true }),
    fact('Empty', ''),
    fact('State', 'Failed'),
  );
  now += 2_500;
  report.event(s, 'Creating');
  s.tables.push({ caption: 'Latency', columns: ['p50', 'p95'], rows: [['3', '9|x']] });
  report.fail(s, 'init() raised ValueError: <bad>', 'Traceback\nValueError: bad ```x```');
  const md = renderSummary(report);
  assert.match(md, /^### ❌ Deploy demo\/blue: failed/);
  assert.match(md, /\| Scoring URI \| `http:\/\/127.0.0.1:5001\/score` \|/);
  // GitHub needs a header row to draw a table: a real one, not an empty grey bar.
  assert.match(md, /\n\| Field \| Value \|\n\|---\|---\|\n\| Scoring URI \|/);
  assert.doesNotMatch(md, /^\|\s*\|\s*\|$/m);
  assert.doesNotMatch(md, /Empty/);
  assert.match(md, /\*\*Error:\*\* init\(\) raised ValueError: &lt;bad&gt;/);
  assert.match(md, /````text\nTraceback\nValueError: bad ```x```\n````/);
  assert.match(md, /\| 3 \| 9\\\|x \|/);
  assert.match(md, /- `\+2.5s` Creating/);
});

test('elapsed times read naturally', () => {
  assert.equal(formatElapsed(0), '0.0s');
  assert.equal(formatElapsed(1234), '1.2s');
  assert.equal(formatElapsed(125_000), '2m05s');
});
