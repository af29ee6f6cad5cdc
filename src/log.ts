// The logging surface library code sees. ActionIO implements it for the runner and the CLI; tests use
// recordingLog(). Library code never imports @actions/core.

export interface Annotation {
  file?: string;
  line?: number;
  column?: number;
  title?: string;
}

export interface Log {
  info(message: string): void;
  warn(message: string, where?: Annotation): void;
  error(message: string, where?: Annotation): void;
  debug(message: string): void;
  /** Runs fn inside a collapsible group (runner) or an indented block (CLI). */
  group<T>(title: string, fn: () => Promise<T>): Promise<T>;
}

export interface LogRecord {
  level: 'info' | 'warn' | 'error' | 'debug';
  message: string;
  where?: Annotation;
}

/** A Log that keeps what it is told, for tests and for building reports. */
export function recordingLog(): Log & { records: LogRecord[]; text(): string } {
  const records: LogRecord[] = [];
  return {
    records,
    info: (message) => void records.push({ level: 'info', message }),
    warn: (message, where) => void records.push({ level: 'warn', message, ...(where ? { where } : {}) }),
    error: (message, where) => void records.push({ level: 'error', message, ...(where ? { where } : {}) }),
    debug: (message) => void records.push({ level: 'debug', message }),
    group: async (title, fn) => {
      records.push({ level: 'info', message: title });
      return fn();
    },
    text: () => records.map((r) => `${r.level}: ${r.message}`).join('\n'),
  };
}

export const silentLog: Log = {
  info() {},
  warn() {},
  error() {},
  debug() {},
  group: (_title, fn) => fn(),
};
