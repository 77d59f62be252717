import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { unzipSync } from 'fflate';
import { ed25519PublicKeyFromPem, sha256, sha512, verifyEd25519 } from '../../crypto/index.ts';
import {
  BAGIT_TXT,
  type Bag,
  PUBLIC_KEY_FILE,
  parseBagInfo,
  parseManifest,
  SIGNATURE_FILE,
  TIMESTAMP_FILE,
  UNLISTED,
} from './bag.ts';
import { type CustodyEvent, checkCustodyChain } from './custody-chain.ts';

/**
 * `sanctuary evidence verify BUNDLE --public-key FILE` (ADR 0136): checks an exported bag
 * with nothing but the bag and the organisation's public evidence key. No database, no data
 * directory, no network. Every problem is named (not only the first); the bag is intact only
 * when there are none.
 */
export interface BundleItem {
  id: string;
  channel: string;
  mediaType: string;
  receivedAt: string;
  receivedBy: string;
  /** Arrival hashes of the untouched original. */
  sha256: string;
  sha512: string;
  /** The payload file that carries this item, and whether it is a redacted copy. */
  file: string;
  redacted: boolean;
}

export interface BundleVerification {
  ok: boolean;
  problems: string[];
  warnings: string[];
  items: number;
  destination: string | undefined;
  timestampedAt: string | undefined;
}

/** Reads a bag from a directory or a ZIP file (symbolic links refused: they are not bag content). */
export async function readBag(path: string): Promise<Bag> {
  const info = await lstat(path);
  const bag: Bag = new Map();
  if (info.isFile()) {
    const files = unzipSync(new Uint8Array(await readFile(path)));
    const names = Object.keys(files).filter((n) => !n.endsWith('/'));
    // A ZIP may hold the bag in one top-level folder (as `bagit` tools write it).
    const prefix = names.every((n) => n.includes('/')) ? `${names[0]!.split('/')[0]}/` : '';
    for (const name of names) {
      bag.set(
        prefix !== '' && name.startsWith(prefix) ? name.slice(prefix.length) : name,
        Buffer.from(files[name]!),
      );
    }
    return bag;
  }
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) bag.set(relative(path, full).split(sep).join('/'), await readFile(full));
      else bag.set(relative(path, full).split(sep).join('/'), Buffer.alloc(0));
    }
  };
  await walk(path);
  return bag;
}

function checkManifest(
  bag: Bag,
  name: string,
  hexLength: number,
  hash: (b: Buffer) => Buffer,
  kind: 'payload' | 'tag',
  problems: string[],
): Map<string, string> {
  const text = bag.get(name);
  if (text === undefined) {
    problems.push(`${name} is missing`);
    return new Map();
  }
  const { entries, bad } = parseManifest(text.toString('utf8'), hexLength);
  for (const line of bad) problems.push(`${name}: unreadable line "${line}"`);
  for (const [path, digest] of entries) {
    const data = bag.get(path);
    if (data === undefined) problems.push(`${path} is missing (listed in ${name})`);
    else if (hash(data).toString('hex') !== digest)
      problems.push(
        `${path} was changed: its ${name.includes('512') ? 'SHA-512' : 'SHA-256'} does not match ${name}`,
      );
    if (kind === 'payload' && !path.startsWith('data/'))
      problems.push(`${name} lists ${path}, which is not in data/`);
  }
  return entries;
}

function parseJson<T>(bag: Bag, path: string, problems: string[]): T | undefined {
  const data = bag.get(path);
  if (data === undefined) {
    problems.push(`${path} is missing`);
    return undefined;
  }
  try {
    return JSON.parse(data.toString('utf8')) as T;
  } catch {
    problems.push(`${path} is not valid JSON`);
    return undefined;
  }
}

/** Verifies a bag in memory. `publicKeyPem` is the organisation's key, obtained apart from the bag. */
export async function verifyBag(bag: Bag, publicKeyPem: string | undefined): Promise<BundleVerification> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const bagit = bag.get('bagit.txt');
  if (bagit === undefined) problems.push('bagit.txt is missing');
  else if (bagit.toString('utf8') !== BAGIT_TXT) problems.push('bagit.txt was changed');

  const payload = checkManifest(bag, 'manifest-sha256.txt', 64, sha256, 'payload', problems);
  const payload512 = checkManifest(bag, 'manifest-sha512.txt', 128, sha512, 'payload', problems);
  const tags = checkManifest(bag, 'tagmanifest-sha256.txt', 64, sha256, 'tag', problems);
  const tags512 = checkManifest(bag, 'tagmanifest-sha512.txt', 128, sha512, 'tag', problems);
  for (const path of payload.keys())
    if (!payload512.has(path)) problems.push(`${path} is not in manifest-sha512.txt`);
  for (const path of payload512.keys())
    if (!payload.has(path)) problems.push(`${path} is not in manifest-sha256.txt`);
  for (const path of tags.keys())
    if (!tags512.has(path)) problems.push(`${path} is not in tagmanifest-sha512.txt`);
  for (const required of ['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt', 'manifest-sha512.txt']) {
    if (!tags.has(required)) problems.push(`${required} is not covered by tagmanifest-sha256.txt`);
  }
  for (const path of bag.keys()) {
    if (path.startsWith('data/')) {
      if (!payload.has(path)) problems.push(`${path} was added: it is in no manifest`);
    } else if (!UNLISTED.has(path) && !tags.has(path)) {
      problems.push(`${path} was added: it is in no tag manifest`);
    }
  }

  const info = parseBagInfo(bag.get('bag-info.txt')?.toString('utf8') ?? '');
  const payloadFiles = [...bag.keys()].filter((p) => p.startsWith('data/'));
  const oxum = `${payloadFiles.reduce((n, p) => n + bag.get(p)!.length, 0)}.${payloadFiles.length}`;
  if (info.get('Payload-Oxum') !== oxum) {
    problems.push(
      `Payload-Oxum in bag-info.txt is ${info.get('Payload-Oxum') ?? 'missing'}, the payload is ${oxum}`,
    );
  }
  const destination = info.get('Sanctuary-Destination');

  // The signature over the tag manifest, with the key the recipient obtained from us.
  const tagManifest = bag.get('tagmanifest-sha256.txt');
  const signature = bag.get(SIGNATURE_FILE);
  let keyPem = publicKeyPem;
  if (keyPem === undefined) {
    keyPem = bag.get(PUBLIC_KEY_FILE)?.toString('utf8');
    warnings.push(
      `no --public-key given: the signature was checked against the key inside the bundle (${PUBLIC_KEY_FILE}), which proves integrity but not who made it`,
    );
  }
  if (signature === undefined) problems.push(`${SIGNATURE_FILE} (the signature) is missing`);
  else if (tagManifest !== undefined && keyPem !== undefined) {
    let publicKeyHex: string | undefined;
    try {
      publicKeyHex = ed25519PublicKeyFromPem(keyPem);
    } catch (error) {
      problems.push(`the public key is unusable: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (publicKeyHex !== undefined && !verifyEd25519(publicKeyHex, tagManifest, signature)) {
      problems.push(
        'the signature does not verify: tagmanifest-sha256.txt was changed after signing, the signature was replaced, or the key is not the organisation’s',
      );
    }
  }

  // The timestamp token, when bag-info says there is one.
  let timestampedAt: string | undefined;
  const token = bag.get(TIMESTAMP_FILE);
  if (info.get('Sanctuary-Timestamp') === 'rfc3161') {
    if (token === undefined) problems.push(`${TIMESTAMP_FILE} (the RFC 3161 timestamp token) is missing`);
    else if (tagManifest !== undefined) {
      // The ASN.1 library behind tsa.ts is loaded only for a bag that carries a timestamp.
      const { readTimestampToken } = await import('./tsa.ts');
      try {
        const read = readTimestampToken(token);
        if (read.sha256 !== sha256(tagManifest).toString('hex')) {
          problems.push(`${TIMESTAMP_FILE} does not cover this tagmanifest-sha256.txt`);
        } else timestampedAt = read.genTime.toISOString();
      } catch (error) {
        problems.push(
          `${TIMESTAMP_FILE} is unreadable: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  } else if (token !== undefined)
    problems.push(`${TIMESTAMP_FILE} was added: bag-info.txt declares no timestamp`);

  // Each item: its file, its custody from arrival to the export, its consent for this destination.
  const items = parseJson<BundleItem[]>(bag, 'evidence/items.json', problems) ?? [];
  for (const item of items) {
    const where = `item ${item.id}`;
    const file = bag.get(item.file);
    if (file === undefined) problems.push(`${where}: its file ${item.file} is missing`);
    else if (!item.redacted && sha256(file).toString('hex') !== item.sha256) {
      problems.push(`${where}: ${item.file} does not have the item's arrival SHA-256`);
    } else if (!item.redacted && sha512(file).toString('hex') !== item.sha512) {
      problems.push(`${where}: ${item.file} does not have the item's arrival SHA-512`);
    }
    const custodyText = bag.get(`custody/${item.id}.jsonl`);
    if (custodyText === undefined)
      problems.push(`${where}: its custody log custody/${item.id}.jsonl is missing`);
    else {
      let events: CustodyEvent[] = [];
      try {
        events = custodyText
          .toString('utf8')
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((l) => JSON.parse(l) as CustodyEvent);
      } catch {
        problems.push(`${where}: custody/${item.id}.jsonl is not valid JSON Lines`);
      }
      problems.push(...checkCustodyChain(item.id, item.sha256, events));
      if (events.length > 0 && events.at(-1)!.action !== 'exported') {
        problems.push(`${where}: its custody log does not end with this export`);
      }
    }
    const consent = parseJson<{ destination?: string; status?: string; identity?: string }>(
      bag,
      `consent/${item.id}.json`,
      problems,
    );
    if (consent !== undefined) {
      if (consent.destination !== destination)
        problems.push(`${where}: its consent is for ${consent.destination}, not ${destination}`);
      if (consent.status !== 'given')
        problems.push(`${where}: consent for ${destination} is "${consent.status}", not "given"`);
      if (consent.identity === 'pseudonym' && !item.redacted) {
        problems.push(`${where}: the witness consented to a pseudonym only, but the item is not redacted`);
      }
    }
  }
  if (items.length === 0) problems.push('the bundle holds no evidence items');
  return { ok: problems.length === 0, problems, warnings, items: items.length, destination, timestampedAt };
}

/** Reads and verifies a bundle (directory or ZIP); the public key file is PEM. */
export async function verifyBundle(
  path: string,
  publicKeyPath: string | undefined,
): Promise<BundleVerification> {
  const pem = publicKeyPath === undefined ? undefined : await readFile(publicKeyPath, 'utf8');
  return verifyBag(await readBag(path), pem);
}
