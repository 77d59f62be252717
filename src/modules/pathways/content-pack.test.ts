import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  builtInContent,
  correctedContent,
  correction,
  editPack,
  newPackKey,
  packOf,
} from '../../../test/support/pathways-pack.ts';
import { type ContentSigningKeyPair, signContent } from '../../crypto/index.ts';
import {
  type ContentFile,
  contentVersionOf,
  loadKnowledgeBase,
  PathwaysContentError,
} from './content-loader.ts';
import { buildContentPack, ContentPackError, MAX_PACK_BYTES, openContentPack } from './content-pack.ts';

/**
 * The pack format from the attacker's side (ADR 0102): everything a man in the middle, a
 * phishing "update" or a stolen old pack could try is refused with a message that names it.
 */
let files: ContentFile[];
let key: ContentSigningKeyPair;
let other: ContentSigningKeyPair;
let good: Buffer;
const created = '2026-12-06T03:00:00.000Z';

beforeAll(async () => {
  files = await builtInContent();
  key = newPackKey();
  other = newPackKey();
  good = packOf(correctedContent(files, 1), key.privateKeyPem, created);
});

const trusted = () => ({ trustedKeys: [key.publicKeyHex] });

function refusal(pack: Buffer): string {
  try {
    openContentPack(pack, trusted());
  } catch (error) {
    if (error instanceof ContentPackError) return error.message;
    if (error instanceof PathwaysContentError) return `content: ${error.issues.join('; ')}`;
    throw error;
  }
  throw new Error('the pack was accepted');
}

/** Re-signs an edited manifest with `signer`'s key, as an attacker holding that key would. */
function resign(
  pack: Buffer,
  signer: ContentSigningKeyPair,
  edit: (m: Record<string, unknown>) => void,
): Buffer {
  return editPack(pack, (p) => {
    const m = JSON.parse(p.manifest) as Record<string, unknown>;
    edit(m);
    p.manifest = JSON.stringify(m);
    p.signature = signContent(
      signer.privateKeyPem,
      Buffer.concat([Buffer.from('sanctuary-pathways-pack/1\0'), Buffer.from(p.manifest)]),
    );
  });
}

describe('a valid pack', () => {
  it('opens with a trusted key; its content version is the ADR 0034 hash of its files', async () => {
    const { info, knowledgeBase } = openContentPack(good, trusted());
    expect(info.created).toBe(created);
    expect(info.contentVersion).toBe(knowledgeBase.version);
    expect(knowledgeBase.options.some((o) => o.title.en === correction(1))).toBe(true);
    // The same files as a directory and as a pack have the same version.
    const plain = openContentPack(packOf(files, key.privateKeyPem, created), trusted());
    expect(plain.info.contentVersion).toBe((await loadKnowledgeBase()).version);
  });

  it('accepts any of several trusted keys (rotation)', () => {
    expect(openContentPack(good, { trustedKeys: [other.publicKeyHex, key.publicKeyHex] }).info.created).toBe(
      created,
    );
  });
});

describe('hostile packs are refused, naming the problem', () => {
  it('an unsigned pack', () => {
    expect(refusal(editPack(good, (p) => delete p.signature))).toBe('the pack is not signed');
    expect(refusal(editPack(good, (p) => (p.signature = '')))).toBe('the pack is not signed');
  });

  it('a pack signed by a key that is not trusted', () => {
    const foreign = packOf(correctedContent(files, 1), other.privateKeyPem, created);
    expect(refusal(foreign)).toMatch(/^the pack is signed by key [0-9a-f]{16}, which is not a trusted key$/);
  });

  it('a pack that names the trusted key but is signed with another', () => {
    const forged = resign(good, other, (m) => {
      m.signer = key.publicKeyHex;
    });
    expect(refusal(forged)).toMatch(/^the signature does not match the manifest/);
  });

  it('a tampered file inside', () => {
    const tampered = editPack(good, (p) => {
      const meta = p.files.find((f) => f.path === 'countries/ru.yaml')!;
      meta.data = Buffer.from(
        Buffer.from(meta.data, 'base64').toString('utf8').replace('correction 1', 'correction X'),
      ).toString('base64');
    });
    expect(refusal(tampered)).toBe(
      'file "countries/ru.yaml" does not match its signed size and hash (tampered or truncated)',
    );
  });

  it('a tampered manifest (the file hash changed to match a tampered file)', () => {
    const tampered = editPack(good, (p) => {
      p.manifest = p.manifest.replace(created, '2027-01-01T00:00:00.000Z');
    });
    expect(refusal(tampered)).toMatch(/^the signature does not match the manifest/);
  });

  it('a truncated pack, and a truncated file', () => {
    expect(refusal(good.subarray(0, good.length - 100))).toBe(
      'not a content pack: it is not valid JSON (truncated or damaged?)',
    );
    const cut = editPack(good, (p) => {
      const f = p.files[3]!;
      f.data = Buffer.from(f.data, 'base64').subarray(0, 30).toString('base64');
    });
    expect(refusal(cut)).toMatch(/does not match its signed size and hash \(tampered or truncated\)$/);
  });

  it('a file that is not in the signed manifest, or missing from the pack', () => {
    const extra = editPack(good, (p) => {
      p.files.push({ path: 'countries/zz.yaml', data: Buffer.from('x: 1').toString('base64') });
    });
    expect(refusal(extra)).toBe('file "countries/zz.yaml" is in the pack but not in its signed manifest');
    const missing = editPack(good, (p) => {
      p.files = p.files.filter((f) => f.path !== 'sources.yaml');
    });
    expect(refusal(missing)).toBe('file "sources.yaml" is listed in the manifest but missing from the pack');
    const twice = editPack(good, (p) => {
      p.files.push(p.files[0]!);
    });
    expect(refusal(twice)).toMatch(/is in the pack twice$/);
  });

  it('path traversal names, in the container and even in a validly signed manifest', () => {
    const traversal = editPack(good, (p) => {
      p.files.push({ path: '../../etc/cron.d/x.yaml', data: '' });
    });
    expect(refusal(traversal)).toBe(
      'file "../../etc/cron.d/x.yaml" is in the pack but not in its signed manifest',
    );
    for (const name of [
      '../meta.yaml',
      '/etc/meta.yaml',
      'countries/../../x.yaml',
      'countries\\x.yaml',
      'a/.b.yaml',
    ]) {
      const signed = resign(good, key, (m) => {
        (m.files as Array<{ path: string }>)[0]!.path = name;
      });
      expect(refusal(signed), name).toMatch(/^the manifest is malformed: files\.0\.path/);
    }
    expect(() =>
      buildContentPack([{ path: '../x.yaml', bytes: Buffer.from('') }], key.privateKeyPem, new Date()),
    ).toThrow(ContentPackError);
  });

  it('a huge pack, before it is parsed', () => {
    const huge = Buffer.alloc(MAX_PACK_BYTES + 1, 0x20);
    expect(refusal(huge)).toBe(
      `the pack is too large (${MAX_PACK_BYTES + 1} bytes; the limit is ${MAX_PACK_BYTES})`,
    );
  });

  it('something that is not a pack at all', () => {
    expect(refusal(Buffer.from('{"format":"zip"}'))).toMatch(/^not a content pack: /);
    expect(refusal(Buffer.from('[]'))).toMatch(/^not a content pack: /);
  });

  it('signed content that fails the same validation as built-in content', () => {
    const broken = correctedContent(files, 1).map((f) =>
      f.path === 'sources.yaml' ? { path: f.path, bytes: Buffer.from('sources: []\n') } : f,
    );
    expect(() => buildContentPack(broken, key.privateKeyPem, new Date())).toThrow(PathwaysContentError);
    // Signed anyway (a careless signer with a hand-made manifest): the server still refuses it.
    const signedBroken = resign(good, key, (m) => {
      const list = m.files as Array<{ path: string; size: number; sha256: string }>;
      const entry = list.find((f) => f.path === 'sources.yaml')!;
      entry.size = 12;
      entry.sha256 = createHash('sha256').update('sources: []\n').digest('hex');
      m.contentVersion = contentVersionOf(broken);
    });
    const withFile = editPack(signedBroken, (p) => {
      p.files.find((f) => f.path === 'sources.yaml')!.data = Buffer.from('sources: []\n').toString('base64');
    });
    expect(refusal(withFile)).toMatch(/^content: .*unknown source/);
  });

  it('a manifest whose content version does not match its files', () => {
    const wrong = resign(good, key, (m) => {
      m.contentVersion = 'cd'.repeat(32);
    });
    expect(refusal(wrong)).toBe("the manifest's content version does not match its files");
  });
});

describe('building', () => {
  it('refuses a key that is not an Ed25519 PEM private key', () => {
    expect(() => buildContentPack(files, 'not a key', new Date())).toThrow(/not a PEM private key/);
  });
});
