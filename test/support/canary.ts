import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/**
 * Looks for a canary string in bytes in every way a careless program could have written
 * it: UTF-8, UTF-16 (both byte orders), hex, and base64 at each of the three alignments.
 */
export function encodingsOf(canary: string): Buffer[] {
  const utf8 = Buffer.from(canary, 'utf8');
  const out = [
    utf8,
    Buffer.from(canary, 'utf16le'),
    Buffer.from(canary, 'utf16le').swap16(),
    Buffer.from(utf8.toString('hex')),
  ];
  for (let pad = 0; pad < 3; pad += 1) {
    const b64 = Buffer.concat([Buffer.alloc(pad, 0x20), utf8]).toString('base64');
    // Drop the characters that depend on neighbouring bytes; the middle is stable wherever the canary sits.
    const stable = b64
      .slice(Math.ceil((pad * 4) / 3) + 1, Math.floor(((pad + utf8.length) * 4) / 3) - 1)
      .replace(/=+$/, '');
    if (stable.length >= 8) out.push(Buffer.from(stable));
  }
  return out;
}

export function bytesContain(haystack: Buffer, canary: string): boolean {
  const needles = encodingsOf(canary);
  return layersOf(haystack).some((layer) => needles.some((needle) => layer.includes(needle)));
}

/** The bytes as written, and, for a gzip file, what it decompresses to (searched too). */
function layersOf(bytes: Buffer): Buffer[] {
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return [bytes];
  try {
    return [bytes, ...layersOf(gunzipSync(bytes))];
  } catch {
    return [bytes];
  }
}

/**
 * For each canary, every regular file under `dir` that contains it (as `filesContaining`
 * answers), reading and decompressing each file once for all of them.
 */
export function filesContainingEach(dir: string, canaries: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>(canaries.map((c) => [c, []]));
  const needles = [...out.keys()].map((c) => [c, encodingsOf(c)] as const);
  for (const path of filesUnder(dir)) {
    const bytes = readIfPresent(path);
    if (bytes === undefined) continue;
    const layers = layersOf(bytes);
    for (const [canary, encodings] of needles) {
      if (layers.some((layer) => encodings.some((needle) => layer.includes(needle))))
        out.get(canary)!.push(path);
    }
  }
  return out;
}

/**
 * Every regular file under `dir` whose bytes contain the canary. A live PostgreSQL cluster
 * creates and removes files while it is walked (other tests' databases come and go): a file or
 * directory that is gone by the time it is read was not there to hold anything.
 */
export function filesContaining(dir: string, canary: string): string[] {
  return filesUnder(dir).filter((path) => {
    const bytes = readIfPresent(path);
    return bytes !== undefined && bytesContain(bytes, canary);
  });
}

/** Every regular file under `dir`, skipping what disappears while it is walked. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch (error) {
      if (isGone(error)) return;
      throw error;
    }
    for (const name of names) {
      const path = join(d, name);
      const st = statSync(path, { throwIfNoEntry: false });
      if (st === undefined) continue;
      if (st.isDirectory()) walk(path);
      else if (st.isFile()) out.push(path);
    }
  };
  walk(dir);
  return out;
}

/** A file's bytes, or undefined if it was removed meanwhile. */
export function readIfPresent(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (error) {
    if (isGone(error)) return undefined;
    throw error;
  }
}

function isGone(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
