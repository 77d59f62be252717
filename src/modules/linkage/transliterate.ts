/**
 * Cyrillic <-> Latin normalisation for person names.
 *
 * Matching never compares raw spellings. Both sides are reduced to one *matching key* in a
 * small internal alphabet, in which the letters that the transliteration systems disagree on
 * collapse to one symbol each:
 *
 *   key symbol  Cyrillic      Latin spellings that reach it
 *   Z           ж             zh, ž, j (French, when written before a vowel at the start), sch (German, rare)
 *   S           ш, щ          sh, sch, shch, shh, chtch, schtsch, š, ŝ
 *   c           ч             ch, tch, tsch, č
 *   C           ц             ts, tc (FMS 2010), tz, cz, c before e/i/y
 *   g           г, х, ґ       g, h, kh, x (GOST 7.79 B), gh
 *   i           и, й, ы, і, ї i, y, j, ï, ĭ, ı
 *   (dropped)   ь, ъ          ', ", `, ʹ, ʺ
 *
 * and then `ii` -> `i`, `ie` -> `e`, `io` -> `e` after a consonant (ё), doubled letters -> one.
 * The same post-processing runs on both sides, so the key is a function of pronunciation
 * rather than of the system used. The phonetic key is coarser still (consonant classes only)
 * and is used for blocking.
 *
 * `romanize(text, system)` goes the other way and is used by the synthetic generator and the
 * tests. It implements each system's letter table; position rules (BGN "ye" at the start,
 * GOST 7.79 B "cz" before front vowels, German "ss" between vowels) are included where they
 * change real spellings.
 */

export type TranslitSystem =
  | 'icao'
  | 'fms2010'
  | 'mvd1997'
  | 'bgn'
  | 'gost779b'
  | 'alalc'
  | 'german'
  | 'french'
  | 'informal'
  | 'ua2010';

export const TRANSLIT_SYSTEMS: readonly TranslitSystem[] = [
  'icao',
  'fms2010',
  'mvd1997',
  'bgn',
  'gost779b',
  'alalc',
  'german',
  'french',
  'informal',
  'ua2010',
];

const CYR_TO_KEY: Record<string, string> = {
  а: 'a',
  б: 'b',
  в: 'v',
  г: 'g',
  ґ: 'g',
  д: 'd',
  е: 'e',
  ё: 'e',
  є: 'ie',
  ж: 'Z',
  з: 'z',
  и: 'i',
  і: 'i',
  ї: 'i',
  й: 'i',
  к: 'k',
  л: 'l',
  м: 'm',
  н: 'n',
  о: 'o',
  п: 'p',
  р: 'r',
  с: 's',
  т: 't',
  у: 'u',
  ў: 'u',
  ф: 'f',
  х: 'g',
  ц: 'C',
  ч: 'c',
  ш: 'S',
  щ: 'S',
  ъ: '',
  ы: 'i',
  ь: '',
  э: 'e',
  ю: 'iu',
  я: 'ia',
};

/** Letters that only exist in Ukrainian (or Belarusian) spelling. */
const UKRAINIAN_ONLY = /[іїєґ]/;
const CYRILLIC = /[\u0400-\u04ff]/;
const LATIN_LETTER = /[a-z]/;

/** True when the text holds at least one Cyrillic letter. */
export function isCyrillic(text: string): boolean {
  return CYRILLIC.test(text);
}

// Latin letters with diacritics that carry a transliteration meaning, expanded before the
// diacritics are stripped.
const LATIN_SPECIAL: Record<string, string> = {
  š: 'sh',
  č: 'ch',
  ž: 'zh',
  ŝ: 'shch',
  ë: 'e',
  ė: 'e',
  è: 'e',
  é: 'e',
  ê: 'e',
  ï: 'i',
  ĭ: 'i',
  ı: 'i',
  â: 'ia',
  û: 'iu',
  ä: 'a',
  ö: 'o',
  ü: 'u',
  ß: 'ss',
  ł: 'l',
  ç: 's',
};

// Greedy longest-first table for Latin spellings. Order matters only among entries that share
// a prefix; the tokenizer tries 7, 6, ... 1 characters.
const LATIN_TOKENS: Record<string, string> = {
  schtsch: 'S',
  shtch: 'S',
  chtch: 'S',
  shch: 'S',
  tsch: 'c',
  shh: 'S',
  sch: 'S',
  tch: 'c',
  zh: 'Z',
  kh: 'g',
  gh: 'g',
  sh: 'S',
  ts: 'C',
  tc: 'C',
  tz: 'C',
  cz: 'C',
  ck: 'k',
  ph: 'f',
  th: 't',
  ou: 'u',
  w: 'v',
  y: 'i',
  j: 'i',
  h: 'g',
  q: 'k',
};

// Tokens of two or more letters, grouped by first letter, longest first.
const MULTI_TOKENS = new Map<string, [string, string][]>();
for (const [tok, sym] of Object.entries(LATIN_TOKENS)) {
  if (tok.length < 2) continue;
  const list = MULTI_TOKENS.get(tok[0]!) ?? [];
  list.push([tok, sym]);
  list.sort((x, y) => y[0].length - x[0].length);
  MULTI_TOKENS.set(tok[0]!, list);
}

const VOWELS = new Set(['a', 'e', 'i', 'o', 'u']);

function isKeyVowel(ch: string | undefined): boolean {
  return ch !== undefined && VOWELS.has(ch);
}

/** Shared post-processing: the rules that make Cyrillic- and Latin-derived keys meet. */
function finishKey(raw: string): string {
  let k = raw.replace(/ts/g, 'C');
  // ё / yo / io after a consonant, and ye / ie / je, are all "e".
  let out = '';
  for (let p = 0; p < k.length; p++) {
    const ch = k[p]!;
    const next = k[p + 1];
    if (ch === 'i' && next === 'e') continue;
    if (ch === 'i' && next === 'o' && p > 0 && !isKeyVowel(k[p - 1])) {
      out += 'e';
      p++;
      continue;
    }
    out += ch;
  }
  k = out;
  // Collapse runs of the same symbol (ii from -ий, ss between vowels, nn, ll ...).
  out = '';
  for (let p = 0; p < k.length; p++) {
    const ch = k[p]!;
    if (ch !== out[out.length - 1]) out += ch;
  }
  return out;
}

function cyrillicToRawKey(lower: string): string {
  let out = '';
  for (const ch of lower) {
    const mapped = CYR_TO_KEY[ch];
    if (mapped !== undefined) out += mapped;
    else if (LATIN_LETTER.test(ch)) out += ch;
  }
  return out;
}

function latinToRawKey(lower: string): string {
  // GOST 7.79 B writes х as "x"; recognise that system by its unmistakable marks.
  const gostB = /shh|cz|y'|e'|`|i'/.test(lower);
  // French spellings write ш as "ch" (with "ou" for у, "tch" for ч); German ones write х as
  // "ch" (with "sch" for ш and "w" for в). Elsewhere "ch" is ч.
  const french = !gostB && /ou|tch/.test(lower);
  const german = !gostB && !french && !/sh|zh|kh/.test(lower) && /sch|w/.test(lower);
  const chSymbol = french ? 'S' : german ? 'g' : 'c';
  let s = '';
  for (const ch of lower) s += LATIN_SPECIAL[ch] ?? ch;
  s = s.normalize('NFD').replace(/\p{M}/gu, '');
  s = s.replace(/[^a-z]/g, '');
  let out = '';
  let p = 0;
  while (p < s.length) {
    let matched = false;
    const candidates = MULTI_TOKENS.get(s[p]!);
    if (candidates !== undefined) {
      for (const [tok, sym] of candidates) {
        if (s.startsWith(tok, p)) {
          out += sym;
          p += tok.length;
          matched = true;
          break;
        }
      }
    }
    if (matched) continue;
    const ch = s[p]!;
    if (ch === 'c' && s[p + 1] === 'h') {
      out += chSymbol;
      p += 2;
      continue;
    }
    if (ch === 'x') out += gostB ? 'g' : 'ks';
    else if (ch === 'z' && german) out += 'C';
    else if (ch === 'j' && french) out += 'Z';
    else if (ch === 'c') {
      const next = s[p + 1];
      out += gostB || (next !== undefined && 'eiyv'.includes(next)) ? 'C' : 'k';
    } else out += LATIN_TOKENS[ch] ?? ch;
    p++;
  }
  return out;
}

const keyCache = new Map<string, string>();
const KEY_CACHE_LIMIT = 1_000_000;

/**
 * The matching key of one name token or phrase: the same for every spelling of one name in
 * any of the supported systems (see the table at the top of this file). Non-letters are
 * dropped; an empty string means "no usable name".
 */
export function matchKey(text: string): string {
  const cached = keyCache.get(text);
  if (cached !== undefined) return cached;
  const lower = text.toLowerCase();
  const raw = isCyrillic(lower) ? cyrillicToRawKey(lower) : latinToRawKey(lower);
  const key = finishKey(raw);
  if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
  keyCache.set(text, key);
  return key;
}

const PHONETIC_CLASS: Record<string, string> = {
  b: 'b',
  p: 'b',
  v: 'v',
  f: 'v',
  g: 'k',
  k: 'k',
  d: 'd',
  t: 'd',
  z: 's',
  s: 's',
  C: 's',
  Z: 'S',
  S: 'S',
  c: 'S',
  l: 'l',
  m: 'm',
  n: 'n',
  r: 'r',
};

/**
 * A coarse phonetic key of a matching key: first symbol kept (vowels as "A"), then consonant
 * classes (voiced/voiceless merged, all hushing sounds merged), no vowels, no repeats, at most
 * `maxLength` symbols. Used for blocking, never for the final decision.
 */
export function phoneticKey(key: string, maxLength = 6): string {
  if (key.length === 0) return '';
  const first = key[0]!;
  let out = isKeyVowel(first) ? 'A' : (PHONETIC_CLASS[first] ?? first);
  let last = out;
  for (let p = 1; p < key.length && out.length < maxLength; p++) {
    const cls = PHONETIC_CLASS[key[p]!];
    if (cls === undefined) {
      last = '';
      continue;
    }
    if (cls !== last) out += cls;
    last = cls;
  }
  return out;
}

/** True when the text looks Ukrainian (letters that Russian does not have). */
export function looksUkrainian(text: string): boolean {
  return UKRAINIAN_ONLY.test(text.toLowerCase());
}

// ---------------------------------------------------------------------------------------------
// Romanisation (Cyrillic -> Latin), one table per system.

type Table = Record<string, string>;

const BASE: Table = {
  а: 'a',
  б: 'b',
  в: 'v',
  г: 'g',
  д: 'd',
  е: 'e',
  ё: 'e',
  ж: 'zh',
  з: 'z',
  и: 'i',
  й: 'i',
  к: 'k',
  л: 'l',
  м: 'm',
  н: 'n',
  о: 'o',
  п: 'p',
  р: 'r',
  с: 's',
  т: 't',
  у: 'u',
  ф: 'f',
  х: 'kh',
  ц: 'ts',
  ч: 'ch',
  ш: 'sh',
  щ: 'shch',
  ъ: '',
  ы: 'y',
  ь: '',
  э: 'e',
  ю: 'iu',
  я: 'ia',
  і: 'i',
  ї: 'i',
  є: 'ie',
  ґ: 'g',
};

const TABLES: Record<TranslitSystem, Table> = {
  icao: { ...BASE, ъ: 'ie' },
  fms2010: { ...BASE, ц: 'tc' },
  mvd1997: { ...BASE, й: 'y', ю: 'yu', я: 'ya', ь: '', ъ: '' },
  bgn: { ...BASE, ё: 'ë', й: 'y', ъ: '"', ь: "'", ю: 'yu', я: 'ya' },
  gost779b: {
    ...BASE,
    ё: 'yo',
    й: 'j',
    х: 'x',
    ц: 'c',
    щ: 'shh',
    ъ: '``',
    ы: "y'",
    ь: '`',
    э: "e'",
    ю: 'yu',
    я: 'ya',
    і: "i'",
    ї: 'yi',
    є: 'ye',
    ґ: 'g`',
  },
  alalc: { ...BASE, ё: 'ë', й: 'ĭ', ц: 't\u0361s', ъ: 'ʺ', ь: 'ʹ', э: 'ė', ю: 'i\u0361u', я: 'i\u0361a' },
  german: {
    ...BASE,
    в: 'w',
    ж: 'sch',
    з: 's',
    й: 'j',
    х: 'ch',
    ц: 'z',
    ч: 'tsch',
    ш: 'sch',
    щ: 'schtsch',
    ю: 'ju',
    я: 'ja',
    ё: 'jo',
  },
  french: {
    ...BASE,
    ж: 'j',
    й: 'ï',
    у: 'ou',
    ч: 'tch',
    ш: 'ch',
    щ: 'chtch',
    ю: 'iou',
    я: 'ia',
    ё: 'io',
  },
  informal: { ...BASE, й: 'y', ю: 'yu', я: 'ya', ё: 'yo', ь: '' },
  ua2010: { ...BASE, г: 'h', и: 'y', й: 'i', є: 'ie', ї: 'i', ю: 'iu', я: 'ia' },
};

// Forms used at the start of a word (and, in some systems, after a vowel or a soft/hard sign).
const INITIAL: Partial<Record<TranslitSystem, Table>> = {
  bgn: { е: 'ye', ё: 'yë' },
  mvd1997: { е: 'ye', ё: 'ye' },
  german: { е: 'je' },
  informal: { е: 'ye' },
  ua2010: { є: 'ye', ї: 'yi', й: 'y', ю: 'yu', я: 'ya' },
  icao: {},
};

const CYR_VOWELS = new Set([...'аеёиоуыэюяіїє']);

function capitalise(word: string): string {
  if (word.length === 0) return word;
  return word[0]!.toUpperCase() + word.slice(1);
}

/**
 * Romanises Cyrillic text with one system's letter table. Used to generate realistic
 * spellings; matching itself goes through `matchKey`, which accepts any of them.
 */
export function romanize(text: string, system: TranslitSystem): string {
  const table = TABLES[system];
  const initial = INITIAL[system] ?? {};
  return text
    .split(/(\s+|-)/)
    .map((word) => {
      const lower = word.toLowerCase();
      let out = '';
      const chars = [...lower];
      for (let p = 0; p < chars.length; p++) {
        const ch = chars[p]!;
        const prev = chars[p - 1];
        const next = chars[p + 1];
        const atStart = p === 0 || prev === undefined;
        const afterVowelOrSign = prev !== undefined && (CYR_VOWELS.has(prev) || prev === 'ь' || prev === 'ъ');
        let t: string | undefined;
        if ((atStart || (system !== 'ua2010' && afterVowelOrSign)) && initial[ch] !== undefined)
          t = initial[ch];
        // Endings: -ий / -ый are "-y" in informal and German/French usage, "-ij" in GOST.
        if (ch === 'и' && next === 'й' && p === chars.length - 2) {
          if (system === 'informal') {
            out += 'y';
            p++;
            continue;
          }
          if (system === 'german' || system === 'french') {
            out += 'i';
            p++;
            continue;
          }
        }
        if (ch === 'ы' && next === 'й' && p === chars.length - 2) {
          if (system === 'informal' || system === 'german' || system === 'french') {
            out += 'y';
            p++;
            continue;
          }
        }
        if (system === 'gost779b' && ch === 'ц') {
          t = next !== undefined && 'еиыйёюяіїє'.includes(next) ? 'cz' : 'c';
        }
        if ((system === 'german' || system === 'french') && ch === 'с') {
          t =
            prev !== undefined && next !== undefined && CYR_VOWELS.has(prev) && CYR_VOWELS.has(next)
              ? 'ss'
              : 's';
        }
        if (system === 'informal' && ch === 'к' && next === 'с') {
          out += 'x';
          p++;
          continue;
        }
        if (t === undefined) t = table[ch] ?? ch;
        // A letter that was upper case in the input starts with a capital in the output.
        out += t;
      }
      return /\p{Lu}/u.test(word[0] ?? '') ? capitalise(out) : out;
    })
    .join('');
}
