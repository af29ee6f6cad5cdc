// Secret redaction, the one module for it: the CLI output and every artifact the actions write go through a
// SecretSet; the smoke test builds a Redactor from the headers it sends (a model may echo a request back).

export const REDACTED = '***';

// Shorter values are too likely to occur by chance in ordinary text ("1", "true"); real keys and tokens are
// much longer.
const MIN_SECRET_LENGTH = 4;

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

/** Replaces every occurrence of each value, longest first so a secret that contains another is replaced whole. */
function replaceAll(text: string, values: Iterable<string>): string {
  let out = text;
  for (const value of [...values].sort((a, b) => b.length - a.length)) {
    if (out.includes(value)) out = out.split(value).join(REDACTED);
  }
  return out;
}

export class SecretSet {
  private readonly values = new Set<string>();

  add(value: string | undefined): void {
    if (!value) return;
    const trimmed = value.trim();
    if (trimmed.length < MIN_SECRET_LENGTH) return;
    this.values.add(trimmed);
    // A secret may also appear URL- or JSON-encoded.
    const encoded = encodeURIComponent(trimmed);
    if (encoded !== trimmed) this.values.add(encoded);
    const json = JSON.stringify(trimmed).slice(1, -1);
    if (json !== trimmed) this.values.add(json);
  }

  redact(text: string): string {
    if (this.values.size === 0) return text;
    return replaceAll(text, this.values);
  }

  get size(): number {
    return this.values.size;
  }
}

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
  const text = (s: string) => replaceAll(s, values);
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
