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

/**
 * Header names known to carry no secret (compared case-insensitively). Every other header a user gives in a
 * smoke test's `headers` is treated as a secret: custom auth headers (`X-Auth-Token`) have no fixed name.
 */
export const HARMLESS_HEADER_NAMES: readonly string[] = [
  'accept',
  'accept-encoding',
  'accept-language',
  'azureml-model-deployment',
  'cache-control',
  'connection',
  'content-encoding',
  'content-language',
  'content-type',
  'traceparent',
  'tracestate',
  'user-agent',
  'x-ms-client-request-id',
  'x-request-id',
  'x-correlation-id',
];

/** The names among `names` whose values are secrets: all but the known harmless ones. */
export function userSecretHeaderNames(names: Iterable<string>): string[] {
  const harmless = new Set(HARMLESS_HEADER_NAMES);
  return [...new Set([...names].filter((n) => !harmless.has(n.toLowerCase())))];
}

/**
 * The forms a secret may take in text we write: as given (trimmed), each line of a multi-line value, and
 * each of those JSON-escaped (also as .NET and Python escape `+`, `<`, non-ASCII: `\u002B`, `\u00e9`), JSON-
 * escaped twice (an error body quoted in a JSON artifact), URL-encoded (upper- and lower-case hex, `+` for
 * a space) and base64/base64url-encoded, alone or inside a longer encoded value (Basic auth) at any offset.
 */
export function secretForms(value: string | undefined): string[] {
  const trimmed = value?.trim();
  if (!trimmed || trimmed.length < MIN_SECRET_LENGTH) return [];
  const bases = new Set([trimmed]);
  if (/[\r\n]/.test(trimmed)) {
    for (const line of trimmed.split(/\r?\n|\r/)) {
      const t = line.trim();
      if (t.length >= MIN_SECRET_LENGTH) bases.add(t);
    }
  }
  const forms = new Set<string>();
  for (const base of bases) {
    for (const json of jsonForms(base)) {
      forms.add(json);
      for (const twice of jsonForms(json)) forms.add(twice);
    }
    const url = encodeURIComponent(base);
    forms.add(url);
    forms.add(url.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()));
    forms.add(url.replace(/%20/g, '+'));
    for (const b64 of base64Forms(base)) forms.add(b64);
  }
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

function jsonForms(s: string): string[] {
  const plain = JSON.stringify(s).slice(1, -1);
  const hex = (c: string) => c.charCodeAt(0).toString(16).padStart(4, '0');
  // System.Text.Json (the Azure services' serializer) escapes HTML-sensitive characters and `+`; Python's
  // json.dumps escapes non-ASCII only; both as \uXXXX, .NET in upper case, Python in lower.
  const strict = plain.replace(/[<>&'+`\u007f-\uffff]/g, (c) => `\\u${hex(c)}`);
  const upper = strict.replace(/\\u([0-9a-f]{4})/g, (_, h: string) => `\\u${h.toUpperCase()}`);
  const ascii = plain.replace(/[\u007f-\uffff]/g, (c) => `\\u${hex(c)}`);
  return [s, plain, strict, upper, ascii];
}

// Base64 of fewer bytes than this is too short to be told from ordinary text.
const MIN_BASE64_BYTES = 8;

function base64Forms(s: string): string[] {
  const bytes = Buffer.from(s, 'utf8');
  if (bytes.length < MIN_BASE64_BYTES) return [];
  const out: string[] = [];
  const whole = bytes.toString('base64');
  out.push(whole, whole.replace(/=+$/, ''), bytes.toString('base64url'));
  // Inside a longer encoded value the secret starts at any offset modulo 3: encode it behind 0, 1 or 2 bytes
  // and keep only the characters that depend on the secret's bytes alone.
  for (const shift of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    const head = shift === 0 ? 0 : 4;
    const tail = (shift + bytes.length) % 3 === 0 ? 0 : 4;
    const core = encoded.slice(head, encoded.length - tail);
    if (core.length >= 8) out.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return out;
}

/**
 * Replaces every occurrence of each value with `***`. Occurrences are found in the original text and merged
 * where they overlap, so a secret that contains or overlaps another is replaced whole, and a replacement never
 * creates a new match.
 */
function replaceAll(text: string, values: Iterable<string>): string {
  const spans: [number, number][] = [];
  for (const value of values) {
    for (let i = text.indexOf(value); i >= 0; i = text.indexOf(value, i + 1))
      spans.push([i, i + value.length]);
  }
  if (spans.length === 0) return text;
  spans.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  let out = '';
  let pos = 0;
  let [start, end] = spans[0]!;
  for (const [s, e] of spans.slice(1)) {
    if (s < end) {
      end = Math.max(end, e);
      continue;
    }
    out += text.slice(pos, start) + REDACTED;
    pos = end;
    [start, end] = [s, e];
  }
  return out + text.slice(pos, start) + REDACTED + text.slice(end);
}

export class SecretSet {
  private readonly values = new Set<string>();

  add(value: string | undefined): void {
    for (const form of secretForms(value)) this.values.add(form);
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
    for (const form of secretForms(v)) values.add(form);
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
