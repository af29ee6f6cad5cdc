// The smoke test's assertions as a report table: one row per assertion and request file, with the actual
// value for passing assertions too (a reader checks what the service answered, not only that it passed).
// Structural types, so the probe's results fit without the report layer importing the probe.

import type { Table } from './report.ts';

export interface AssertionOutcome {
  /** The assertion as written (`$.predictions length 2`, `status 200`). */
  text: string;
  passed: boolean;
  expected: string;
  /** What the response had: the first failing one's value, or for a passing assertion the value it matched. */
  actual?: string;
}

export interface FileAssertions {
  /** The request file (or `request-body`). */
  name: string;
  /** The first response's status. */
  statusCode?: number;
  assertions: readonly AssertionOutcome[];
}

/** The Assertions table, or undefined when nothing was asserted. */
export function assertionsTable(files: readonly FileAssertions[]): Table | undefined {
  const rows = files.flatMap((f) =>
    f.assertions.map((a) => [f.name, a.text, a.passed ? '✅' : '❌', a.expected, actualCell(a, f)]),
  );
  if (rows.length === 0) return undefined;
  return { caption: 'Assertions', columns: ['Request', 'Assertion', 'Result', 'Expected', 'Actual'], rows };
}

function actualCell(a: AssertionOutcome, f: FileAssertions): string {
  if (a.actual !== undefined && a.actual !== '') return a.actual;
  // The status check's value is known from the file's result even when the probe kept no actual.
  if (a.text.startsWith('status ') && f.statusCode !== undefined) return String(f.statusCode);
  return a.passed ? 'matched' : '—';
}
