/**
 * Signed pathways content packs (ADR 0102): one JSON file that carries the YAML files of
 * content/pathways/, a manifest (content version, creation time, signer, every file's path, size
 * and SHA-256), and an Ed25519 signature over the manifest's exact bytes. A pack is hostile until
 * proven otherwise: its size is capped before it is parsed, the signer must be a trusted key, the
 * signature is checked before any file is looked at, and every file must be in the signed
 * manifest with the signed size and hash. Only then is the content validated like built-in content.
 */
import { z } from 'zod';
import {
  contentSigningPublicKey,
  publicKeyFingerprint,
  sha256,
  signContent,
  verifyContentSignature,
} from '../../crypto/index.ts';
import {
  buildKnowledgeBase,
  type ContentFile,
  contentVersionOf,
  type KnowledgeBase,
} from './content-loader.ts';

/** The format name, in the container and in the manifest. */
export const PACK_FORMAT = 'sanctuary-pathways-pack/1';
/** A whole pack; today's content is about 250 KB of YAML (about 340 KB as base64). */
export const MAX_PACK_BYTES = 4 * 1024 * 1024;
/** The loader's own limit for one file (content-loader.ts refuses larger files too). */
const MAX_FILE_BYTES = 512 * 1024;
const MAX_FILES = 1000;
/** What is signed: the format name, a zero byte, then the manifest's UTF-8 bytes (domain separation). */
const SIGNING_PREFIX = Buffer.from(`${PACK_FORMAT}\0`, 'utf8');

/** Relative, lower-case, `/`-separated, each segment starting with a letter or digit: no `..`, no `/x`, no `\`. */
const packPathSchema = z
  .string()
  .max(200)
  .regex(/^(?:[a-z0-9][a-z0-9_-]*\/)*[a-z0-9][a-z0-9_.-]*\.ya?ml$/);
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

const manifestSchema = z.strictObject({
  format: z.literal(PACK_FORMAT),
  contentVersion: hex64,
  created: z.iso.datetime(),
  signer: hex64,
  files: z
    .array(
      z.strictObject({
        path: packPathSchema,
        size: z.number().int().min(0).max(MAX_FILE_BYTES),
        sha256: hex64,
      }),
    )
    .min(1)
    .max(MAX_FILES),
});

const containerSchema = z.strictObject({
  format: z.literal(PACK_FORMAT),
  manifest: z.string().max(256 * 1024),
  signature: z.string().max(200).optional(),
  files: z
    .array(z.strictObject({ path: z.string().max(400), data: z.string().max(MAX_PACK_BYTES) }))
    .max(MAX_FILES),
});

export type PackManifest = z.output<typeof manifestSchema>;

/** A pack was refused; `message` says why, in English, for operators and the audit log. */
export class ContentPackError extends Error {
  override name = 'ContentPackError';
}

/** What a verified pack says about itself, for results, logs and the audit log. */
export interface PackInfo {
  contentVersion: string;
  created: string;
  /** Fingerprint of the signing key (publicKeyFingerprint). */
  signer: string;
}

export interface VerifiedPack {
  info: PackInfo;
  knowledgeBase: KnowledgeBase;
}

/** A name from the pack, safe to put in a message: quoted, bounded. */
function shown(name: string): string {
  return JSON.stringify(name.slice(0, 80));
}

function signedBytes(manifest: string): Buffer {
  return Buffer.concat([SIGNING_PREFIX, Buffer.from(manifest, 'utf8')]);
}

/**
 * Builds and signs a pack from content files with a PKCS#8 PEM Ed25519 private key. The content
 * is validated first (PathwaysContentError), so a pack that the server would refuse is never
 * built. Throws SigningKeyError for an unusable key.
 */
export function buildContentPack(
  files: readonly ContentFile[],
  privateKeyPem: string,
  created: Date,
): Buffer {
  const signer = contentSigningPublicKey(privateKeyPem);
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : 1));
  for (const f of sorted) {
    if (!packPathSchema.safeParse(f.path).success)
      throw new ContentPackError(`file name not allowed in a pack: ${shown(f.path)}`);
  }
  const kb = buildKnowledgeBase(sorted);
  const manifest: PackManifest = {
    format: PACK_FORMAT,
    contentVersion: kb.version,
    created: created.toISOString(),
    signer,
    files: sorted.map((f) => ({
      path: f.path,
      size: f.bytes.length,
      sha256: sha256(f.bytes).toString('hex'),
    })),
  };
  const manifestText = JSON.stringify(manifest);
  const pack = {
    format: PACK_FORMAT,
    manifest: manifestText,
    signature: signContent(privateKeyPem, signedBytes(manifestText)),
    files: sorted.map((f) => ({ path: f.path, data: f.bytes.toString('base64') })),
  };
  const bytes = Buffer.from(`${JSON.stringify(pack)}\n`, 'utf8');
  if (bytes.length > MAX_PACK_BYTES)
    throw new ContentPackError(`the pack would be larger than ${MAX_PACK_BYTES} bytes`);
  return bytes;
}

export interface OpenPackOptions {
  /**
   * Raw Ed25519 public keys (hex) the signer must be one of. `undefined` checks the signature
   * against the key named in the pack only (the CLI's `pack verify` without a trusted key).
   */
  trustedKeys: readonly string[] | undefined;
}

/**
 * Verifies a pack and validates its content. Throws ContentPackError naming the first problem
 * (size, format, signer, signature, files), or PathwaysContentError for invalid content.
 */
export function openContentPack(bytes: Buffer, { trustedKeys }: OpenPackOptions): VerifiedPack {
  if (bytes.length > MAX_PACK_BYTES) {
    throw new ContentPackError(
      `the pack is too large (${bytes.length} bytes; the limit is ${MAX_PACK_BYTES})`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ContentPackError('not a content pack: it is not valid JSON (truncated or damaged?)');
  }
  const container = containerSchema.safeParse(raw);
  if (!container.success) {
    const where = container.error.issues[0]?.path.join('.') || '(root)';
    throw new ContentPackError(`not a content pack: ${where} is missing or malformed`);
  }
  const { manifest: manifestText, signature, files } = container.data;
  if (signature === undefined || signature === '') throw new ContentPackError('the pack is not signed');

  let manifestRaw: unknown;
  try {
    manifestRaw = JSON.parse(manifestText);
  } catch {
    throw new ContentPackError('the manifest is not valid JSON');
  }
  const parsed = manifestSchema.safeParse(manifestRaw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ContentPackError(
      `the manifest is malformed: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? ''}`,
    );
  }
  const manifest = parsed.data;
  const signer = publicKeyFingerprint(manifest.signer);
  // Who signed comes before whether the signature holds: a pack signed by an unknown key is
  // refused however well it is signed.
  if (trustedKeys !== undefined && !trustedKeys.includes(manifest.signer)) {
    throw new ContentPackError(`the pack is signed by key ${signer}, which is not a trusted key`);
  }
  if (!verifyContentSignature(manifest.signer, signedBytes(manifestText), signature)) {
    throw new ContentPackError(
      'the signature does not match the manifest (tampered, or signed with another key)',
    );
  }

  // The manifest is authentic from here on; the files must be exactly the ones it lists.
  const listed = new Map(manifest.files.map((f) => [f.path, f]));
  if (listed.size !== manifest.files.length) throw new ContentPackError('the manifest lists a file twice');
  const seen = new Set<string>();
  const contentFiles: ContentFile[] = [];
  for (const file of files) {
    const entry = listed.get(file.path);
    if (entry === undefined)
      throw new ContentPackError(`file ${shown(file.path)} is in the pack but not in its signed manifest`);
    if (seen.has(file.path)) throw new ContentPackError(`file ${shown(file.path)} is in the pack twice`);
    seen.add(file.path);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(file.data) || file.data.length % 4 !== 0) {
      throw new ContentPackError(`file ${shown(file.path)} is not valid base64`);
    }
    const data = Buffer.from(file.data, 'base64');
    if (data.length !== entry.size || sha256(data).toString('hex') !== entry.sha256) {
      throw new ContentPackError(
        `file ${shown(file.path)} does not match its signed size and hash (tampered or truncated)`,
      );
    }
    contentFiles.push({ path: file.path, bytes: data });
  }
  for (const path of listed.keys()) {
    if (!seen.has(path))
      throw new ContentPackError(`file ${shown(path)} is listed in the manifest but missing from the pack`);
  }
  if (contentVersionOf(contentFiles) !== manifest.contentVersion) {
    throw new ContentPackError("the manifest's content version does not match its files");
  }
  const knowledgeBase = buildKnowledgeBase(contentFiles);
  return {
    info: { contentVersion: manifest.contentVersion, created: manifest.created, signer },
    knowledgeBase,
  };
}
