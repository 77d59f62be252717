/**
 * Pseudonym replacement for export (issue 16 item 5, ADR 0137): in a confirmed testimony
 * document, the witness's own name is replaced by the pseudonym in every field, and so is
 * each word of it on its own (a given name mentioned alone), case-insensitively. The
 * original item and its hash stay in custody untouched; the bag marks the file as redacted.
 */
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function pseudonymise(text: string, names: readonly string[], pseudonym: string): string {
  const terms = [...new Set(names.map((n) => n.trim()).filter((n) => n.length >= 2))].sort(
    (a, b) => b.length - a.length,
  );
  if (terms.length === 0) return text;
  const pattern = new RegExp(
    `(?<![\\p{L}\\p{N}])(?:${terms.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}])`,
    'giu',
  );
  return text.replace(pattern, pseudonym);
}

/** The redacted copy of a testimony document (its canonical JSON). */
export function redactTestimony(original: Buffer, pseudonym: string): Buffer {
  const doc = JSON.parse(original.toString('utf8')) as Record<string, unknown>;
  const name = typeof doc.witnessName === 'string' ? doc.witnessName : '';
  const names = [name, ...name.split(/\s+/)];
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) {
    out[k] = typeof v === 'string' ? pseudonymise(v, names, pseudonym) : v;
  }
  out.witnessName = pseudonym;
  out.redaction = 'pseudonym';
  return Buffer.from(JSON.stringify(out), 'utf8');
}
