// PyYAML's `yaml.dump(value)` (default Dumper: block style, keys sorted, width 80, indent 2, ASCII only),
// ported from PyYAML 6's emitter. Azure ML's SDK sends an environment's conda file as this re-dump of the
// parsed mapping, and names anonymous environments by its MD5, so the text must match byte for byte.

import { pythonFloatRepr, resolvesToNonString } from './resolver.ts';

/** `yaml.dump(value)` as PyYAML writes it. Whole numbers are written as ints (JS keeps no int/float flag). */
export function pyyamlDump(value: unknown): string {
  const emitter = new BlockEmitter();
  emitter.document(value);
  return emitter.out;
}

const BEST_WIDTH = 80;
const BEST_INDENT = 2;
const LINE_BREAKS = '\n\x85\u2028\u2029';
const WHITESPACE = '\0 \t\r\n\x85\u2028\u2029';
const ESCAPES: Record<string, string> = {
  '\0': '0',
  '\x07': 'a',
  '\x08': 'b',
  '\x09': 't',
  '\x0A': 'n',
  '\x0B': 'v',
  '\x0C': 'f',
  '\x0D': 'r',
  '\x1B': 'e',
  '"': '"',
  '\\': '\\',
  '\x85': 'N',
  '\xA0': '_',
  '\u2028': 'L',
  '\u2029': 'P',
};

interface Scalar {
  text: string;
  /** false for a string that would read back as another type (it must be quoted). */
  implicit: boolean;
}

interface Analysis {
  empty: boolean;
  multiline: boolean;
  allowFlowPlain: boolean;
  allowBlockPlain: boolean;
  allowSingleQuoted: boolean;
}

interface NodeContext {
  root?: boolean;
  sequence?: boolean;
  mapping?: boolean;
  simpleKey?: boolean;
}

class BlockEmitter {
  out = '';
  #column = 0;
  #whitespace = true;
  #indention = true;
  #openEnded = false;
  #indent: number | undefined = undefined;
  readonly #indents: (number | undefined)[] = [];
  #flowLevel = 0;
  #rootContext = false;
  #mappingContext = false;
  #simpleKeyContext = false;

  document(value: unknown): void {
    this.#node(value, { root: true });
    this.#writeIndent();
    if (this.#openEnded) {
      this.#writeIndicator('...', true);
      this.#writeIndent();
    }
  }

  #node(value: unknown, ctx: NodeContext): void {
    this.#rootContext = ctx.root ?? false;
    this.#mappingContext = ctx.mapping ?? false;
    this.#simpleKeyContext = ctx.simpleKey ?? false;
    if (Array.isArray(value)) {
      if (this.#flowLevel || value.length === 0) this.#flowCollection('[', ']', value.length);
      else this.#blockSequence(value);
    } else if (isMapping(value)) {
      const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      if (this.#flowLevel || entries.length === 0) this.#flowCollection('{', '}', entries.length);
      else this.#blockMapping(entries);
    } else {
      this.#increaseIndent(true);
      this.#scalar(represent(value));
      this.#indent = this.#indents.pop();
    }
  }

  /** Only empty collections are written in flow style by the default dumper. */
  #flowCollection(open: string, close: string, length: number): void {
    if (length !== 0) throw new Error('pyyamlDump: non-empty flow collections are not supported');
    this.#writeIndicator(open, true, true);
    this.#flowLevel++;
    this.#increaseIndent(true);
    this.#indent = this.#indents.pop();
    this.#flowLevel--;
    this.#writeIndicator(close, false);
  }

  #blockSequence(items: unknown[]): void {
    const indentless = this.#mappingContext && !this.#indention;
    this.#increaseIndent(false, indentless);
    for (const item of items) {
      this.#writeIndent();
      this.#writeIndicator('-', true, false, true);
      this.#node(item, { sequence: true });
    }
    this.#indent = this.#indents.pop();
  }

  #blockMapping(entries: [string, unknown][]): void {
    this.#increaseIndent(false);
    for (const [key, value] of entries) {
      this.#writeIndent();
      const keyScalar: Scalar = { text: key, implicit: !resolvesToNonString(key) };
      const a = analyze(key);
      const simple = key.length < 128 && !a.empty && !a.multiline;
      if (simple) {
        this.#nodeScalar(keyScalar, { mapping: true, simpleKey: true });
        this.#writeIndicator(':', false);
      } else {
        this.#writeIndicator('?', true, false, true);
        this.#nodeScalar(keyScalar, { mapping: true });
        this.#writeIndent();
        this.#writeIndicator(':', true, false, true);
      }
      this.#node(value, { mapping: true });
    }
    this.#indent = this.#indents.pop();
  }

  #nodeScalar(scalar: Scalar, ctx: NodeContext): void {
    this.#rootContext = ctx.root ?? false;
    this.#mappingContext = ctx.mapping ?? false;
    this.#simpleKeyContext = ctx.simpleKey ?? false;
    this.#increaseIndent(true);
    this.#scalar(scalar);
    this.#indent = this.#indents.pop();
  }

  #increaseIndent(flow: boolean, indentless = false): void {
    this.#indents.push(this.#indent);
    if (this.#indent === undefined) this.#indent = flow ? BEST_INDENT : 0;
    else if (!indentless) this.#indent += BEST_INDENT;
  }

  #scalar(scalar: Scalar): void {
    const a = analyze(scalar.text);
    const split = !this.#simpleKeyContext;
    let style: '' | "'" | '"' = '"';
    if (
      scalar.implicit &&
      !(this.#simpleKeyContext && (a.empty || a.multiline)) &&
      ((this.#flowLevel && a.allowFlowPlain) || (!this.#flowLevel && a.allowBlockPlain))
    ) {
      style = '';
    } else if (a.allowSingleQuoted && !(this.#simpleKeyContext && a.multiline)) {
      style = "'";
    }
    if (style === '') this.#writePlain(scalar.text, split);
    else if (style === "'") this.#writeSingleQuoted(scalar.text, split);
    else this.#writeDoubleQuoted(scalar.text, split);
  }

  #write(data: string): void {
    this.out += data;
    this.#column += [...data].length;
  }

  #writeLineBreak(br = '\n'): void {
    this.out += br;
    this.#whitespace = true;
    this.#indention = true;
    this.#column = 0;
  }

  #writeIndent(): void {
    const indent = this.#indent ?? 0;
    if (!this.#indention || this.#column > indent || (this.#column === indent && !this.#whitespace)) {
      this.#writeLineBreak();
    }
    if (this.#column < indent) {
      this.#whitespace = true;
      this.out += ' '.repeat(indent - this.#column);
      this.#column = indent;
    }
  }

  #writeIndicator(indicator: string, needWhitespace: boolean, whitespace = false, indention = false): void {
    const data = this.#whitespace || !needWhitespace ? indicator : ` ${indicator}`;
    this.#whitespace = whitespace;
    this.#indention = this.#indention && indention;
    this.#openEnded = false;
    this.#write(data);
  }

  #writePlain(text: string, split: boolean): void {
    if (this.#rootContext) this.#openEnded = true;
    if (!text) return;
    if (!this.#whitespace) this.#write(' ');
    this.#whitespace = false;
    this.#indention = false;
    const chars = [...text];
    let spaces = false;
    let breaks = false;
    let start = 0;
    for (let end = 0; end <= chars.length; end++) {
      const ch = end < chars.length ? chars[end] : undefined;
      if (spaces) {
        if (ch !== ' ') {
          if (start + 1 === end && this.#column > BEST_WIDTH && split) {
            this.#writeIndent();
            this.#whitespace = false;
            this.#indention = false;
          } else {
            this.#write(chars.slice(start, end).join(''));
          }
          start = end;
        }
      } else if (breaks) {
        if (ch === undefined || !LINE_BREAKS.includes(ch)) {
          if (chars[start] === '\n') this.#writeLineBreak();
          for (const br of chars.slice(start, end)) this.#writeLineBreak(br);
          this.#writeIndent();
          this.#whitespace = false;
          this.#indention = false;
          start = end;
        }
      } else if (ch === undefined || ` ${LINE_BREAKS}`.includes(ch)) {
        this.#write(chars.slice(start, end).join(''));
        start = end;
      }
      if (ch !== undefined) {
        spaces = ch === ' ';
        breaks = LINE_BREAKS.includes(ch);
      }
    }
  }

  #writeSingleQuoted(text: string, split: boolean): void {
    this.#writeIndicator("'", true);
    const chars = [...text];
    let spaces = false;
    let breaks = false;
    let start = 0;
    for (let end = 0; end <= chars.length; end++) {
      const ch = end < chars.length ? chars[end] : undefined;
      if (spaces) {
        if (ch === undefined || ch !== ' ') {
          if (
            start + 1 === end &&
            this.#column > BEST_WIDTH &&
            split &&
            start !== 0 &&
            end !== chars.length
          ) {
            this.#writeIndent();
          } else {
            this.#write(chars.slice(start, end).join(''));
          }
          start = end;
        }
      } else if (breaks) {
        if (ch === undefined || !LINE_BREAKS.includes(ch)) {
          if (chars[start] === '\n') this.#writeLineBreak();
          for (const br of chars.slice(start, end)) this.#writeLineBreak(br);
          this.#writeIndent();
          start = end;
        }
      } else if (ch === undefined || ` ${LINE_BREAKS}`.includes(ch) || ch === "'") {
        if (start < end) {
          this.#write(chars.slice(start, end).join(''));
          start = end;
        }
      }
      if (ch === "'") {
        this.#write("''");
        start = end + 1;
      }
      if (ch !== undefined) {
        spaces = ch === ' ';
        breaks = LINE_BREAKS.includes(ch);
      }
    }
    this.#writeIndicator("'", false);
  }

  #writeDoubleQuoted(text: string, split: boolean): void {
    this.#writeIndicator('"', true);
    const chars = [...text];
    let start = 0;
    for (let end = 0; end <= chars.length; end++) {
      const ch = end < chars.length ? chars[end] : undefined;
      if (ch === undefined || '"\\\x85\u2028\u2029\uFEFF'.includes(ch) || !(ch >= '\x20' && ch <= '\x7E')) {
        if (start < end) {
          this.#write(chars.slice(start, end).join(''));
          start = end;
        }
        if (ch !== undefined) {
          const code = ch.codePointAt(0) ?? 0;
          const replacement = ESCAPES[ch];
          const data =
            replacement !== undefined
              ? `\\${replacement}`
              : code <= 0xff
                ? `\\x${hex(code, 2)}`
                : code <= 0xffff
                  ? `\\u${hex(code, 4)}`
                  : `\\U${hex(code, 8)}`;
          this.#write(data);
          start = end + 1;
        }
      }
      if (
        end > 0 &&
        end < chars.length - 1 &&
        (ch === ' ' || start >= end) &&
        this.#column + (end - start) > BEST_WIDTH &&
        split
      ) {
        const data = `${chars.slice(start, end).join('')}\\`;
        if (start < end) start = end;
        this.#write(data);
        this.#writeIndent();
        this.#whitespace = false;
        this.#indention = false;
        if (chars[start] === ' ') this.#write('\\');
      }
    }
    this.#writeIndicator('"', false);
  }
}

function hex(code: number, width: number): string {
  return code.toString(16).toUpperCase().padStart(width, '0');
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** PyYAML's representer: the plain text of a value and whether its type is implied by it. */
function represent(value: unknown): Scalar {
  if (typeof value === 'string') return { text: value, implicit: !resolvesToNonString(value) };
  if (value === null || value === undefined) return { text: 'null', implicit: true };
  if (typeof value === 'boolean') return { text: value ? 'true' : 'false', implicit: true };
  if (typeof value === 'bigint') return { text: value.toString(), implicit: true };
  if (typeof value === 'number') return { text: representNumber(value), implicit: true };
  if (value instanceof Date) return { text: representDate(value), implicit: true };
  return { text: String(value), implicit: !resolvesToNonString(String(value)) };
}

function representNumber(x: number): string {
  if (Number.isNaN(x)) return '.nan';
  if (x === Number.POSITIVE_INFINITY) return '.inf';
  if (x === Number.NEGATIVE_INFINITY) return '-.inf';
  if (Number.isInteger(x) && !Object.is(x, -0)) return BigInt(x).toString();
  // repr(float).lower(), with `.0` added before an exponent that has no dot (PyYAML's represent_float).
  const text = pythonFloatRepr(x).toLowerCase();
  return !text.includes('.') && text.includes('e') ? text.replace('e', '.0e') : text;
}

/** PyYAML loads dates as date (midnight) or naive UTC datetime; it dumps them in ISO form. */
function representDate(d: Date): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  if (d.getUTCHours() + d.getUTCMinutes() + d.getUTCSeconds() + d.getUTCMilliseconds() === 0) return date;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  const ms = d.getUTCMilliseconds();
  return `${date} ${time}${ms ? `.${pad(ms * 1000, 6)}` : ''}`;
}

function analyze(scalar: string): Analysis {
  if (!scalar) {
    return {
      empty: true,
      multiline: false,
      allowFlowPlain: false,
      allowBlockPlain: true,
      allowSingleQuoted: true,
    };
  }
  const chars = [...scalar];
  let blockIndicators = false;
  let flowIndicators = false;
  let lineBreaks = false;
  let specialCharacters = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  if (scalar.startsWith('---') || scalar.startsWith('...')) {
    blockIndicators = true;
    flowIndicators = true;
  }
  let precededByWhitespace = true;
  let followedByWhitespace = chars.length === 1 || WHITESPACE.includes(chars[1] ?? '');
  let previousSpace = false;
  let previousBreak = false;
  for (let index = 0; index < chars.length; index++) {
    const ch = chars[index] ?? '';
    if (index === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) {
        flowIndicators = true;
        blockIndicators = true;
      }
      if (ch === '?' || ch === ':') {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      }
      if (ch === '-' && followedByWhitespace) {
        flowIndicators = true;
        blockIndicators = true;
      }
    } else {
      if (',?[]{}'.includes(ch)) flowIndicators = true;
      if (ch === ':') {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      }
      if (ch === '#' && precededByWhitespace) {
        flowIndicators = true;
        blockIndicators = true;
      }
    }
    if (LINE_BREAKS.includes(ch)) lineBreaks = true;
    // Without allow_unicode, anything outside printable ASCII (and \n) needs double quotes.
    if (!(ch === '\n' || (ch >= '\x20' && ch <= '\x7E'))) specialCharacters = true;
    if (ch === ' ') {
      if (index === 0) leadingSpace = true;
      if (index === chars.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (LINE_BREAKS.includes(ch)) {
      if (index === 0) leadingBreak = true;
      if (index === chars.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = WHITESPACE.includes(ch);
    followedByWhitespace = index + 2 >= chars.length || WHITESPACE.includes(chars[index + 2] ?? '');
  }
  let allowFlowPlain = true;
  let allowBlockPlain = true;
  let allowSingleQuoted = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) {
    allowFlowPlain = false;
    allowBlockPlain = false;
  }
  if (breakSpace) {
    allowFlowPlain = false;
    allowBlockPlain = false;
    allowSingleQuoted = false;
  }
  if (spaceBreak || specialCharacters) {
    allowFlowPlain = false;
    allowBlockPlain = false;
    allowSingleQuoted = false;
  }
  if (lineBreaks) {
    allowFlowPlain = false;
    allowBlockPlain = false;
  }
  if (flowIndicators) allowFlowPlain = false;
  if (blockIndicators) allowBlockPlain = false;
  return { empty: false, multiline: lineBreaks, allowFlowPlain, allowBlockPlain, allowSingleQuoted };
}
