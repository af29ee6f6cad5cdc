// Secrets must never reach a log, output or transcript: headers that carry credentials are shown as `***`,
// and their values are also scrubbed from every string we keep (a model may echo a request back).

export const REDACTED = '***';

/** Header names that always carry credentials (compared case-insensitively). */
export const SECRET_HEADER_NAMES: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'api-key',
  'x-api-key',
  'ocp-apim-subscription-key',
  'cookie',
  'set-cookie',
  'x-functions-key',
];

// Shorter values are too likely to occur by chance in ordinary text; real keys and tokens are much longer.
const MIN_SECRET_LENGTH = 4;

export interface Redactor {
  isSecretHeader(name: string): boolean;
  headers(headers: Record<string, string>): Record<string, string>;
  text(text: string): string;
  /** A deep copy of a JSON-like value with every string redacted. */
  deep<T>(value: T): T;
}

/**
 * Builds a redactor from the headers sent (values of secret headers, and the token after an auth scheme such
 * as `Bearer`), extra header names marked secret, and extra secret values.
 */
export function createRedactor(opts: {
  headers?: Record<string, string>;
  secretHeaders?: readonly string[];
  secrets?: readonly string[];
}): Redactor {
  const secretNames = new Set(
    [...SECRET_HEADER_NAMES, ...(opts.secretHeaders ?? [])].map((n) => n.toLowerCase()),
  );
  const isSecretHeader = (name: string) => secretNames.has(name.toLowerCase());
  const values = new Set<string>();
  const add = (v: string | undefined) => {
    const t = v?.trim();
    if (t && t.length >= MIN_SECRET_LENGTH) values.add(t);
  };
  for (const s of opts.secrets ?? []) add(s);
  for (const [name, value] of Object.entries(opts.headers ?? {})) {
    if (!isSecretHeader(name)) continue;
    add(value);
    const scheme = /^\s*[A-Za-z][\w-]*\s+(\S.*)$/.exec(value);
    if (scheme) add(scheme[1]);
  }
  // Longest first, so a full `Bearer x` is replaced before its token part.
  const ordered = [...values].sort((a, b) => b.length - a.length);
  const text = (s: string) => {
    let out = s;
    for (const v of ordered) if (out.includes(v)) out = out.split(v).join(REDACTED);
    return out;
  };
  const deep = <T>(value: T): T => redactValue(value, text) as T;
  const headers = (h: Record<string, string>) =>
    Object.fromEntries(Object.entries(h).map(([k, v]) => [k, isSecretHeader(k) ? REDACTED : text(v)]));
  return { isSecretHeader, headers, text, deep };
}

function redactValue(value: unknown, text: (s: string) => string): unknown {
  if (typeof value === 'string') return text(value);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, text));
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, text)]));
  }
  return value;
}
