// Bodies go into outputs, summaries and transcripts, which all have size limits: cut them by UTF-8 bytes,
// never inside a character, and say how much was dropped.

/** `text` if it fits in `maxBytes` (UTF-8), else its head plus a marker naming the full size. */
export function cutText(text: string, maxBytes: number): string {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= maxBytes) return text;
  return cutBuffer(Buffer.from(text, 'utf8'), maxBytes);
}

/** The buffer as UTF-8 text, cut like cutText. */
export function cutBuffer(body: Buffer, maxBytes: number): string {
  if (body.length <= maxBytes) return body.toString('utf8');
  let end = maxBytes;
  // Step back over UTF-8 continuation bytes (10xxxxxx) so no character is split.
  while (end > 0 && ((body[end] ?? 0) & 0xc0) === 0x80) end--;
  return `${body.subarray(0, end).toString('utf8')}\n… [cut: ${body.length} bytes in total, first ${end} shown]`;
}

/** One line for messages: whitespace collapsed, at most maxChars characters. */
export function oneLine(text: string, maxChars = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= maxChars ? flat : `${flat.slice(0, maxChars)}…`;
}
