/**
 * Signed copies of the static site (issue 20, ADR 0155). A copy is a directory (or a ZIP of it)
 * holding the site's files and `sanctuary-outreach.json`: a manifest of every file's path, size
 * and SHA-256, kept as a JSON string so that the signed bytes are the bytes in the file, and an
 * Ed25519 signature over `sanctuary-outreach/1\0` + the manifest, made with the organisation's
 * offline signing key (the same kind of key as the pathways content packs, ADR 0102).
 * Verification names every changed, missing or added file.
 */
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { z } from 'zod';
import { contentSigningPublicKey, signContent, verifyContentSignature } from '../../crypto/index.ts';
import type { SiteFile } from './outreach.site.tsx';

export const SIGNATURE_FILE = 'sanctuary-outreach.json';
const FORMAT = 'sanctuary-outreach/1';
/** A copy larger than this is not a copy of this site; refuse before reading it whole. */
export const MAX_COPY_BYTES = 16 * 1024 * 1024;
const MAX_FILES = 2000;

const manifestSchema = z.strictObject({
  format: z.literal(FORMAT),
  created: z.string().max(40),
  contentVersion: z.string().regex(/^[0-9a-f]{64}$/),
  signer: z.string().regex(/^[0-9a-f]{64}$/),
  files: z
    .array(
      z.strictObject({
        path: z
          .string()
          .regex(/^(?:[A-Za-z0-9][A-Za-z0-9._-]*\/)*[A-Za-z0-9][A-Za-z0-9._-]*$/)
          .max(200),
        size: z.number().int().min(0),
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
      }),
    )
    .max(MAX_FILES),
});
const containerSchema = z.strictObject({
  format: z.literal(FORMAT),
  manifest: z.string().max(1024 * 1024),
  signature: z.string().max(200),
});

export type OutreachManifest = z.infer<typeof manifestSchema>;

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function signedMessage(manifest: string): Buffer {
  return Buffer.concat([Buffer.from(`${FORMAT}\0`), Buffer.from(manifest, 'utf8')]);
}

/** Signs the site's files; returns them with the signature file added. Throws SigningKeyError. */
export function signSite(
  files: readonly SiteFile[],
  privateKeyPem: string,
  contentVersion: string,
  now: Date,
): SiteFile[] {
  const manifest: OutreachManifest = {
    format: FORMAT,
    created: now.toISOString(),
    contentVersion,
    signer: contentSigningPublicKey(privateKeyPem),
    files: files.map((f) => ({ path: f.path, size: f.bytes.length, sha256: sha256(f.bytes) })),
  };
  const manifestText = JSON.stringify(manifest);
  const container = {
    format: FORMAT,
    manifest: manifestText,
    signature: signContent(privateKeyPem, signedMessage(manifestText)),
  };
  return [...files, { path: SIGNATURE_FILE, bytes: Buffer.from(`${JSON.stringify(container, null, 1)}\n`) }];
}

/** A ZIP of the copy (stored in a stable order, with a fixed date, so the same site gives the same ZIP). */
export function zipSite(files: readonly SiteFile[]): Buffer {
  const entries: Record<string, [Uint8Array, { mtime: Date }]> = {};
  for (const f of files) entries[f.path] = [f.bytes, { mtime: new Date('2000-01-01T00:00:00Z') }];
  return Buffer.from(zipSync(entries, { level: 9 }));
}

export interface CopyVerification {
  ok: boolean;
  /** One line per problem; empty when ok. */
  problems: string[];
  signer?: string | undefined;
  signerTrusted?: boolean | undefined;
  contentVersion?: string | undefined;
  created?: string | undefined;
  files: number;
}

/** Reads a copy: a directory (walked, symbolic links refused) or a ZIP file (never extracted). */
export async function readCopy(location: string): Promise<Map<string, Buffer>> {
  const info = await lstat(location);
  const files = new Map<string, Buffer>();
  if (info.isFile()) {
    if (info.size > MAX_COPY_BYTES) throw new Error(`the copy is larger than ${MAX_COPY_BYTES} bytes`);
    const entries = unzipSync(new Uint8Array(await readFile(location)));
    let total = 0;
    for (const [name, bytes] of Object.entries(entries)) {
      if (name.endsWith('/')) continue;
      total += bytes.length;
      if (total > MAX_COPY_BYTES || files.size >= MAX_FILES) throw new Error('the copy is too large');
      files.set(name, Buffer.from(bytes));
    }
    return files;
  }
  let total = 0;
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await readdir(path.join(location, rel), { withFileTypes: true })) {
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) await walk(child);
      else if (entry.isFile()) {
        const bytes = await readFile(path.join(location, child));
        total += bytes.length;
        if (total > MAX_COPY_BYTES || files.size >= MAX_FILES) throw new Error('the copy is too large');
        files.set(child, bytes);
      } else files.set(child, Buffer.from(strToU8('\0not a regular file\0')));
    }
  };
  await walk('');
  return files;
}

/**
 * Checks a copy against trusted public keys (raw hex). With no trusted keys the signature is
 * checked against the key the copy names and `signerTrusted` is left undefined: the caller says so.
 */
export function verifyCopy(
  files: ReadonlyMap<string, Buffer>,
  trustedKeys: readonly string[],
): CopyVerification {
  const problems: string[] = [];
  const sig = files.get(SIGNATURE_FILE);
  if (sig === undefined)
    return {
      ok: false,
      problems: [`${SIGNATURE_FILE} is missing: this copy is not signed`],
      files: files.size,
    };
  let container: z.infer<typeof containerSchema>;
  let manifest: OutreachManifest;
  try {
    container = containerSchema.parse(JSON.parse(sig.toString('utf8')));
    manifest = manifestSchema.parse(JSON.parse(container.manifest));
  } catch {
    return { ok: false, problems: [`${SIGNATURE_FILE} is not a valid signature file`], files: files.size };
  }
  const signatureHolds = verifyContentSignature(
    manifest.signer,
    signedMessage(container.manifest),
    container.signature,
  );
  if (!signatureHolds)
    problems.push('the signature does not match the manifest (the manifest or the signature was changed)');
  const signerTrusted = trustedKeys.length === 0 ? undefined : trustedKeys.includes(manifest.signer);
  if (signerTrusted === false)
    problems.push(`the copy was signed by ${manifest.signer}, which is not a trusted key`);
  const listed = new Set<string>();
  for (const f of manifest.files) {
    if (listed.has(f.path)) {
      problems.push(`${f.path}: listed twice in the manifest`);
      continue;
    }
    listed.add(f.path);
    const bytes = files.get(f.path);
    if (bytes === undefined) problems.push(`${f.path}: missing`);
    else if (bytes.length !== f.size || sha256(bytes) !== f.sha256) problems.push(`${f.path}: changed`);
  }
  for (const name of [...files.keys()].sort())
    if (name !== SIGNATURE_FILE && !listed.has(name))
      problems.push(`${name}: added (not in the signed manifest)`);
  return {
    ok: problems.length === 0,
    problems,
    signer: manifest.signer,
    signerTrusted,
    contentVersion: manifest.contentVersion,
    created: manifest.created,
    files: manifest.files.length,
  };
}
