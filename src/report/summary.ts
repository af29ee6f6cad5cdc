// Renders the Report model as job-summary Markdown. Pure: the caller redacts and writes it.

import type { Report, ReportArtifact, ReportSection, SectionStatus, Table } from './report.ts';

const STATUS_ICON: Record<SectionStatus, string> = {
  succeeded: '✅',
  failed: '❌',
  skipped: '⏭️',
  planned: '📝',
  unchanged: '✅',
};

const STATUS_TEXT: Record<SectionStatus, string> = {
  succeeded: 'succeeded',
  failed: 'failed',
  skipped: 'skipped',
  planned: 'planned (dry run)',
  unchanged: 'unchanged',
};

export function renderSummary(report: Report): string {
  return report.sections.map((s) => renderSection(s, report.artifact)).join('\n');
}

/** One section; `artifact` (Report.artifact) says where "Full log" is, when the run's files were handled. */
export function renderSection(section: ReportSection, artifact?: ReportArtifact): string {
  const out: string[] = [];
  out.push(`### ${STATUS_ICON[section.status]} ${escapeMd(section.title)}: ${STATUS_TEXT[section.status]}`);
  out.push('');
  if (section.facts.length > 0) {
    // GitHub renders a table only with a header row; an empty one shows as a blank grey bar.
    out.push('| Field | Value |', '|---|---|');
    for (const f of section.facts) {
      let value = f.code ? code(f.value) : escapeCell(f.value);
      if (f.href) value = `[${value}](${f.href})`;
      out.push(`| ${escapeCell(f.label)} | ${value} |`);
    }
    out.push('');
  }
  if (section.error) {
    out.push(`**Error:** ${escapeMd(section.error.message)}`, '');
    if (section.error.logTail) {
      out.push(
        '<details open><summary>Log tail</summary>',
        '',
        fence(section.error.logTail),
        '',
        '</details>',
        '',
      );
    }
    if (section.error.logFile) out.push(fullLog(section.error.logFile, artifact), '');
  }
  for (const table of section.tables) out.push(renderTable(table), '');
  if (section.timeline.length > 0) {
    const t0 = section.startedAtMs;
    out.push('<details><summary>Timeline</summary>', '');
    for (const e of section.timeline) {
      out.push(`- \`+${formatElapsed(e.atMs - t0)}\` ${escapeMd(e.text)}`);
    }
    out.push('', '</details>', '');
  }
  for (const note of section.notes) out.push(`> ${escapeMd(note)}`, '');
  return out.join('\n');
}

export function renderTable(table: Table): string {
  const out: string[] = [];
  if (table.caption) out.push(`**${escapeMd(table.caption)}**`, '');
  out.push(`| ${table.columns.map(escapeCell).join(' | ')} |`);
  out.push(`|${table.columns.map(() => '---').join('|')}|`);
  for (const row of table.rows) out.push(`| ${row.map(escapeCell).join(' | ')} |`);
  return out.join('\n');
}

/**
 * "Full log:" as a reader of the summary can use it: a link to the artifact it was uploaded in, or the file
 * name and a plain "not uploaded" with the reason (a path on the runner's disk is gone with the runner).
 */
export function fullLog(logFile: string, artifact: ReportArtifact | undefined): string {
  const name = code(baseName(logFile));
  if (artifact?.uploaded) {
    const where = `artifact ${code(artifact.name)}`;
    return `Full log: ${name} in ${artifact.url ? `[${where}](${artifact.url})` : where}`;
  }
  // Not published (a local CLI run): the path on this machine is what the reader can open.
  if (!artifact) return `Full log: ${code(logFile)}`;
  return `Full log: ${name} was not uploaded as an artifact (${escapeMd(artifact.reason)}); on the runner it was ${code(logFile)}`;
}

export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.round(ms / 100) / 10);
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s - m * 60)).padStart(2, '0')}s`;
}

function baseName(file: string): string {
  return file.split(/[\\/]/).filter(Boolean).pop() ?? file;
}

function escapeCell(text: string): string {
  return escapeMd(text).replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

function escapeMd(text: string): string {
  return text.replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function code(text: string): string {
  const ticks = text.includes('`') ? '``' : '`';
  return `${ticks}${text.replace(/\|/g, '\\|')}${ticks}`;
}

function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const f = '`'.repeat(longest + 1);
  return `${f}text\n${text}\n${f}`;
}
