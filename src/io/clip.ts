// Echoing user text back in a message: a 100k-character name must not become a 100k-character error.

/** `text` unchanged when short, else its first `max` characters and `…` (and how long it was). */
export function clip(text: string, max = 64): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length} characters)`;
}
