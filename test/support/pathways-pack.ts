import { generateContentSigningKey } from '../../src/crypto/index.ts';
import { type ContentFile, readContentDir } from '../../src/modules/pathways/content-loader.ts';
import { buildContentPack } from '../../src/modules/pathways/content-pack.ts';

/**
 * Content packs for tests: the built-in content, a "correction" of it (the English title of
 * Russia's alternative civilian service changed, so the new content is visible on every result a
 * conscript in Russia gets), keys, and hostile edits of a pack.
 */
export const TITLE = 'Alternative civilian service';
const TITLE_FILE = 'countries/ru.yaml';

/** The built-in content files (content/pathways). */
export function builtInContent(): Promise<ContentFile[]> {
  return readContentDir();
}

/** The built-in content with the title marked as correction `n`. */
export function correctedContent(files: readonly ContentFile[], n: number): ContentFile[] {
  return files.map((f) => {
    if (f.path !== TITLE_FILE) return f;
    const text = f.bytes.toString('utf8');
    if (!text.includes(`"${TITLE}"`)) throw new Error(`${TITLE_FILE} no longer has the title "${TITLE}"`);
    return { path: f.path, bytes: Buffer.from(text.replace(`"${TITLE}"`, `"${correction(n)}"`)) };
  });
}

/** The title of correction `n`. */
export function correction(n: number): string {
  return `${TITLE} (correction ${n})`;
}

/** A fresh signing key pair. */
export const newPackKey = generateContentSigningKey;

/** A signed pack of `files`, created at `created` (ISO). */
export function packOf(files: readonly ContentFile[], privateKeyPem: string, created: string): Buffer {
  return buildContentPack(files, privateKeyPem, new Date(created));
}

export interface PackJson {
  format: string;
  manifest: string;
  signature?: string;
  files: Array<{ path: string; data: string }>;
}

/** Parses a pack, lets `edit` change it, and serialises it again (the attacker's workbench). */
export function editPack(pack: Buffer, edit: (p: PackJson) => void): Buffer {
  const p = JSON.parse(pack.toString('utf8')) as PackJson;
  edit(p);
  return Buffer.from(JSON.stringify(p));
}
