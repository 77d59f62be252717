import { blindIndex, type Keyring } from '../../crypto/index.ts';
import { isPatronymicKey, matchKey, nameGroupsOfKey, normalizePhone } from '../linkage/index.ts';
import type { PersonDetails } from './cases.schemas.ts';

/**
 * Normalisation for search, the same at write time (index entries) and at lookup time.
 *
 * - phone: E.164 through the linkage module's `normalizePhone`;
 * - document number: upper case, letters and digits only;
 * - name: the linkage module's script-blind `matchKey` ("Филатьев", "Filatyev" and
 *   "Filatiev" give one key), as an order-free pair of given and family name (`gf:`), the
 *   family name alone (`f:`), and, for given names in the linkage module's diminutives
 *   table, the name group with the family name (`ng:`), so that "Саша Филатьев" finds
 *   "Александр Филатьев" and "Oleksandr Filatiev". Patronymics are ignored.
 *
 * Each normalised value is stored only as a truncated HMAC (src/crypto/blind-index.ts), so a
 * lookup finds a handful of candidates, which the service decrypts and compares exactly.
 */
export type IndexKind = 'phone' | 'document' | 'name';

export function normaliseDocumentNumber(text: string): string {
  return text.toUpperCase().replace(/[^0-9A-ZА-ЯЁІЇЄҐ]/g, '');
}

function nameTerms(person: PersonDetails): string[] {
  const givens = [person.givenName, person.givenNameLatin]
    .filter((v): v is string => v !== undefined)
    .map(matchKey);
  const families = [person.familyName, person.familyNameLatin]
    .filter((v): v is string => v !== undefined)
    .map(matchKey);
  const terms = new Set<string>();
  for (const f of families) {
    if (f === '') continue;
    terms.add(`f:${f}`);
    for (const g of givens) {
      if (g === '') continue;
      terms.add(`gf:${[g, f].sort().join(' ')}`);
      for (const term of groupTerms(g, f)) terms.add(term);
    }
  }
  return [...terms];
}

/**
 * `ng:<group> <family>` for every name group of the diminutives table that the given-name
 * key belongs to (none for a name outside the table). A full name usually has one group;
 * a diminutive may have several (Саша: Александр and Александра).
 */
function groupTerms(givenKey: string, familyKey: string): string[] {
  return nameGroupsOfKey(givenKey).map((group) => `ng:${group} ${familyKey}`);
}

/** Every normalised search term of a person: what `personIndexEntries` indexes. */
export function personSearchTerms(person: PersonDetails): Array<{ kind: IndexKind; term: string }> {
  const out: Array<{ kind: IndexKind; term: string }> = [];
  const phone = person.phone === undefined ? undefined : normalizePhone(person.phone);
  if (phone !== undefined) out.push({ kind: 'phone', term: phone });
  for (const d of person.documents) {
    const n = normaliseDocumentNumber(d.number);
    if (n.length >= 4) out.push({ kind: 'document', term: n });
  }
  for (const term of nameTerms(person)) out.push({ kind: 'name', term });
  return out;
}

const INDEX_NAME = { phone: 'person_phone', document: 'person_document', name: 'person_name' } as const;

export function personIndexEntries(
  keyring: Keyring,
  person: PersonDetails,
): Array<{ kind: IndexKind; value: number }> {
  return personSearchTerms(person).map(({ kind, term }) => ({
    kind,
    value: blindIndex(keyring, INDEX_NAME[kind], term),
  }));
}

export function indexValue(keyring: Keyring, kind: IndexKind, term: string): number {
  return blindIndex(keyring, INDEX_NAME[kind], term);
}

/** What a query could be: each interpretation becomes one exact lookup. */
export function queryTerms(query: string): Array<{ kind: IndexKind; term: string }> {
  const q = query.trim();
  if (q === '') return [];
  const out: Array<{ kind: IndexKind; term: string }> = [];
  const digits = q.replace(/\D/g, '').length;
  if (digits >= 7) {
    const phone = normalizePhone(q);
    if (phone !== undefined) out.push({ kind: 'phone', term: phone });
  }
  if (digits > 0) {
    const doc = normaliseDocumentNumber(q);
    if (doc.length >= 4) out.push({ kind: 'document', term: doc });
  }
  if (digits === 0) {
    const keys = q
      .split(/[\s,]+/)
      .map(matchKey)
      .filter((k) => k !== '' && !isPatronymicKey(k));
    if (keys.length === 1) out.push({ kind: 'name', term: `f:${keys[0]}` });
    else if (keys.length >= 2) {
      const [a, b] = [keys[0]!, keys[1]!];
      out.push({ kind: 'name', term: `gf:${[a, b].sort().join(' ')}` });
      // Either word may be the given name: "Саша Филатьев" and "Филатьев Саша".
      for (const term of new Set([...groupTerms(a, b), ...groupTerms(b, a)]))
        out.push({ kind: 'name', term });
    }
  }
  return out;
}
