import { sha256, sha512 } from '../../crypto/index.ts';

/**
 * BagIt (RFC 8493) bags held in memory as path → bytes (ADR 0136). `writeBag` adds the
 * declaration, bag-info, payload manifests (SHA-256 and SHA-512, in `sha256sum -c` format),
 * tag manifests over every tag file, the Ed25519 signature of `tagmanifest-sha256.txt` and,
 * when asked, an RFC 3161 token over that same file's SHA-256.
 */
export type Bag = Map<string, Buffer>;

export const SIGNATURE_FILE = 'tagmanifest-sha256.txt.sig';
export const TIMESTAMP_FILE = 'tagmanifest-sha256.txt.tsr';
export const PUBLIC_KEY_FILE = 'evidence-public-key.pem';
/** Files outside every manifest (they are about the tag manifest, or a convenience copy). */
export const UNLISTED = new Set([
  'tagmanifest-sha256.txt',
  'tagmanifest-sha512.txt',
  SIGNATURE_FILE,
  TIMESTAMP_FILE,
  PUBLIC_KEY_FILE,
]);

export const BAGIT_TXT = 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n';

function manifest(files: Array<[string, Buffer]>, hash: (b: Buffer) => Buffer): Buffer {
  return Buffer.from(
    files.map(([path, data]) => `${hash(data).toString('hex')}  ${path}\n`).join(''),
    'utf8',
  );
}

/** A path a bag may hold: relative, forward slashes, no "..", no control characters or %. */
export function safeBagPath(path: string): boolean {
  return (
    /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(path) &&
    !path.split('/').some((p) => p === '..' || p === '.')
  );
}

export interface BagInput {
  payload: Array<[string, Buffer]>;
  tags: Array<[string, Buffer]>;
  info: Array<[string, string]>;
  sign: (message: Buffer) => Buffer;
  publicKeyPem: string;
  timestamp?: (digest: Buffer) => Promise<Buffer>;
}

export async function writeBag(input: BagInput): Promise<Bag> {
  const bag: Bag = new Map();
  for (const [path] of [...input.payload, ...input.tags]) {
    if (!safeBagPath(path)) throw new Error(`unsafe path in bag: ${path}`);
  }
  const payload = [...input.payload].sort(([a], [b]) => (a < b ? -1 : 1));
  for (const [path, data] of payload) bag.set(path, data);
  const oxum = `${payload.reduce((n, [, d]) => n + d.length, 0)}.${payload.length}`;
  const info = [
    ['Payload-Oxum', oxum],
    ...input.info,
    ['Sanctuary-Timestamp', input.timestamp === undefined ? 'none' : 'rfc3161'],
  ]
    .map(([k, v]) => `${k}: ${v}\n`)
    .join('');
  const tags: Array<[string, Buffer]> = [
    ['bagit.txt', Buffer.from(BAGIT_TXT, 'utf8')],
    ['bag-info.txt', Buffer.from(info, 'utf8')],
    ['manifest-sha256.txt', manifest(payload, sha256)],
    ['manifest-sha512.txt', manifest(payload, sha512)],
    ...[...input.tags].sort(([a], [b]) => (a < b ? -1 : 1)),
  ];
  for (const [path, data] of tags) bag.set(path, data);
  const tagManifest = manifest(tags, sha256);
  bag.set('tagmanifest-sha256.txt', tagManifest);
  bag.set('tagmanifest-sha512.txt', manifest(tags, sha512));
  bag.set(SIGNATURE_FILE, input.sign(tagManifest));
  bag.set(PUBLIC_KEY_FILE, Buffer.from(input.publicKeyPem, 'utf8'));
  if (input.timestamp !== undefined) bag.set(TIMESTAMP_FILE, await input.timestamp(sha256(tagManifest)));
  return bag;
}

/** Parses a manifest: path → hex digest, with the lines it could not read. */
export function parseManifest(
  text: string,
  hexLength: number,
): { entries: Map<string, string>; bad: string[] } {
  const entries = new Map<string, string>();
  const bad: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const m = /^([0-9a-fA-F]+)[ \t]+\*?(.+)$/.exec(line);
    if (m === null || m[1]!.length !== hexLength) {
      bad.push(line.slice(0, 120));
      continue;
    }
    entries.set(m[2]!, m[1]!.toLowerCase());
  }
  return { entries, bad };
}

/** bag-info.txt as a map (labels are case-sensitive here; values trimmed). */
export function parseBagInfo(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const at = line.indexOf(':');
    if (at > 0) out.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  return out;
}
