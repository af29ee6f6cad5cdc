// The Report model: what each action did, filled in as it goes (so a failure still reports what happened)
// and rendered once by the job-summary renderer; PR comments and Deployments render the same model.

export type ActionName = 'register-model' | 'deploy-model' | 'smoke-test-service' | 'delete-service';
export type SectionStatus = 'succeeded' | 'failed' | 'skipped' | 'planned' | 'unchanged';

export interface Fact {
  label: string;
  value: string;
  href?: string;
  /** Render as inline code. */
  code?: boolean;
}

export interface Table {
  caption?: string;
  columns: string[];
  rows: string[][];
}

export interface TimelineEntry {
  atMs: number;
  text: string;
}

export interface ReportSection {
  action: ActionName;
  title: string;
  status: SectionStatus;
  startedAtMs: number;
  endedAtMs?: number;
  facts: Fact[];
  timeline: TimelineEntry[];
  tables: Table[];
  notes: string[];
  error?: { message: string; logTail?: string; logFile?: string };
}

/**
 * Where the run's files (logs, plan, transcripts) went: set by publishReport once it knows, so "Full log"
 * links the uploaded artifact or says it was not uploaded, instead of naming a path on the runner's disk.
 */
export type ReportArtifact =
  | { uploaded: true; name: string; url?: string }
  | { uploaded: false; reason: string };

export class Report {
  readonly sections: ReportSection[] = [];
  artifact?: ReportArtifact;
  private readonly now: () => number;
  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /** Starts a section; its status stays 'failed' until the action marks it otherwise. */
  section(action: ActionName, title: string): ReportSection {
    const section: ReportSection = {
      action,
      title,
      status: 'failed',
      startedAtMs: this.now(),
      facts: [],
      timeline: [],
      tables: [],
      notes: [],
    };
    this.sections.push(section);
    return section;
  }

  event(section: ReportSection, text: string): void {
    section.timeline.push({ atMs: this.now(), text });
  }

  finish(section: ReportSection, status: SectionStatus): void {
    section.status = status;
    section.endedAtMs = this.now();
  }

  fail(section: ReportSection, message: string, logTail?: string, logFile?: string): void {
    section.error = { message, ...(logTail ? { logTail } : {}), ...(logFile ? { logFile } : {}) };
    this.finish(section, 'failed');
  }
}

export function fact(label: string, value: string | number | boolean | undefined, extra: Partial<Fact> = {}) {
  return value === undefined || value === '' ? undefined : { label, value: String(value), ...extra };
}

export function addFacts(section: ReportSection, ...facts: (Fact | undefined)[]): void {
  for (const f of facts) if (f) section.facts.push(f);
}
