// Secret redaction shared by the CLI output and by every artifact the actions write.

export class SecretSet {
  private readonly values = new Set<string>();

  add(value: string | undefined): void {
    if (!value) return;
    const trimmed = value.trim();
    // Very short values would redact ordinary text ("1", "true") and are not secrets worth the noise.
    if (trimmed.length < 4) return;
    this.values.add(trimmed);
    // A secret may also appear URL- or JSON-encoded.
    const encoded = encodeURIComponent(trimmed);
    if (encoded !== trimmed) this.values.add(encoded);
    const json = JSON.stringify(trimmed).slice(1, -1);
    if (json !== trimmed) this.values.add(json);
  }

  redact(text: string): string {
    if (this.values.size === 0) return text;
    let out = text;
    // Longest first, so a secret that contains another is replaced whole.
    for (const value of [...this.values].sort((a, b) => b.length - a.length)) {
      out = out.split(value).join('***');
    }
    return out;
  }

  get size(): number {
    return this.values.size;
  }
}
