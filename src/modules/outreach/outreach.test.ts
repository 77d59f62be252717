import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateContentSigningKey } from '../../crypto/index.ts';
import { loadKnowledgeBase } from '../pathways/index.ts';
import {
  defaultOutreachDir,
  loadOutreachContent,
  MAX_PAGE_BYTES,
  type OutreachContent,
  OutreachContentError,
  readCopy,
  renderSite,
  SIGNATURE_FILE,
  signSite,
  verifyCopy,
  zipSite,
} from './index.ts';
import { renderLeaflet } from './outreach.leaflet.ts';

const ADDRESSES = {
  web: 'https://help.example.org',
  onion: `http://${'a'.repeat(56)}.onion/`,
  telegram: 'HelpToLeaveBot',
};
let content: OutreachContent;
const key = generateContentSigningKey();
const other = generateContentSigningKey();
const NOW = new Date('2026-12-06T10:00:00Z');

beforeAll(async () => {
  content = await loadOutreachContent();
});

describe('outreach content', () => {
  it('has every guide in ru, uk and en, built from pathways facts', () => {
    expect(content.slugs).toEqual(
      expect.arrayContaining(['refuse', 'leave', 'surrender', 'families', 'after-surrender']),
    );
    for (const slug of content.slugs) {
      const byLang = content.guides.get(slug);
      expect([...(byLang?.keys() ?? [])].sort(), slug).toEqual(['en', 'ru', 'uk']);
      for (const g of byLang?.values() ?? []) expect(g.facts.length, `${slug}/${g.lang}`).toBeGreaterThan(0);
    }
  });

  it('names every problem in broken content: unknown fact, loose placeholder, missing strings, bad language', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'outreach-bad-'));
    try {
      cpSync(defaultOutreachDir, dir, { recursive: true });
      const en = path.join(dir, 'guides/refuse/en.md');
      writeFileSync(
        en,
        `${readFileSync(en, 'utf8')}\n{{fact no.such-fact}}\n\nSee {{fact ru.art328}} inline.\n`,
      );
      rmSync(path.join(dir, 'strings/uk.yaml'));
      writeFileSync(path.join(dir, 'guides/leave/xx.md'), '---\ntitle: "x"\n---\n');
      const kb = await loadKnowledgeBase();
      const error = await loadOutreachContent(dir, kb).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OutreachContentError);
      const issues = (error as OutreachContentError).issues.join('\n');
      expect(issues).toContain('unknown fact "no.such-fact"');
      expect(issues).toContain('a fact goes on a line of its own');
      expect(issues).toContain('strings/uk.yaml: cannot be read');
      expect(issues).toContain('guides/leave/xx.md: "xx" is not in languages.yaml');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses raw HTML and images in a guide: they come out as text, never as markup', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'outreach-html-'));
    try {
      cpSync(defaultOutreachDir, dir, { recursive: true });
      const en = path.join(dir, 'guides/refuse/en.md');
      writeFileSync(
        en,
        `${readFileSync(en, 'utf8')}\n<script>alert(1)</script>\n\n![x](https://tracker.example/p.gif)\n\n[bad](javascript:alert(1))\n`,
      );
      const site = renderSite(await loadOutreachContent(dir, content.knowledge), ADDRESSES);
      const page = site.find((f) => f.path === 'en/refuse.html')?.bytes.toString() ?? '';
      expect(page).toContain('&lt;script&gt;');
      expect(page).not.toMatch(/<script|<img|\ssrc=|href="javascript/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the static site', () => {
  it('is small, loads nothing, and every internal link resolves inside the copy', () => {
    const site = renderSite(content, ADDRESSES, 'mirror-1');
    const paths = new Set(site.map((f) => f.path));
    for (const f of site) {
      const text = f.bytes.toString('utf8');
      if (f.path.endsWith('.html')) expect(f.bytes.length, f.path).toBeLessThanOrEqual(MAX_PAGE_BYTES);
      expect(text, f.path).not.toMatch(/<script|<img|<iframe|<object|<embed|@import|url\(|\ssrc=/i);
      for (const m of text.matchAll(/href="([^"]+)"/g)) {
        const href = (m[1] ?? '').replace(/&amp;/g, '&');
        if (/^(https?:|#)/.test(href)) continue;
        const target = path.posix.normalize(
          path.posix.join(path.posix.dirname(f.path), href.split('#')[0] ?? ''),
        );
        expect(paths.has(target), `${f.path} → ${href}`).toBe(true);
      }
    }
    const ruIndex = site.find((f) => f.path === 'ru/index.html')?.bytes.toString() ?? '';
    expect(ruIndex).toContain('https://help.example.org/?c=mirror-1');
    expect(ruIndex).toContain('https://t.me/HelpToLeaveBot?start=mirror-1');
    expect(ruIndex).toContain('<code>@HelpToLeaveBot</code>');
  });

  it('cites the sources of every fact it shows, with the fact review date', () => {
    const site = renderSite(content, ADDRESSES);
    const page = site.find((f) => f.path === 'ru/families.html')?.bytes.toString() ?? '';
    expect(page).toContain(
      'https://www.icrc.org/en/document/remarks-delivered-head-cta-bureau-united-nations-press-briefing-geneva',
    );
    expect(page).toContain('Проверено 2026-12-06');
  });

  it('is the same bytes for the same content (a mirror can be rebuilt and compared)', () => {
    const a = renderSite(content, ADDRESSES);
    const b = renderSite(content, ADDRESSES);
    expect(a.map((f) => f.bytes.toString('base64'))).toEqual(b.map((f) => f.bytes.toString('base64')));
  });
});

describe('signed copies', () => {
  const signed = () => signSite(renderSite(content, ADDRESSES), key.privateKeyPem, content.version, NOW);
  const asMap = (files: ReturnType<typeof signed>) =>
    new Map(files.map((f) => [f.path, Buffer.from(f.bytes)]));

  it('verifies with the organisation key, and only with it', () => {
    const files = asMap(signed());
    expect(verifyCopy(files, [key.publicKeyHex])).toMatchObject({
      ok: true,
      problems: [],
      signerTrusted: true,
    });
    const wrong = verifyCopy(files, [other.publicKeyHex]);
    expect(wrong.ok).toBe(false);
    expect(wrong.problems.join('\n')).toContain('not a trusted key');
  });

  const mutations: Array<[string, (m: Map<string, Buffer>) => void, RegExp]> = [
    [
      'a changed byte',
      (m) => {
        const b = Buffer.from(m.get('ru/surrender.html') as Buffer);
        b[200] = (b[200] ?? 0) ^ 1;
        m.set('ru/surrender.html', b);
      },
      /ru\/surrender\.html: changed/,
    ],
    ['a missing page', (m) => m.delete('uk/leave.html'), /uk\/leave\.html: missing/],
    [
      'an added page',
      (m) => m.set('ru/phish.html', Buffer.from('<a href="https://evil.example">')),
      /ru\/phish\.html: added/,
    ],
    [
      'a replaced contact address',
      (m) =>
        m.set(
          'en/index.html',
          Buffer.from(
            (m.get('en/index.html') as Buffer).toString().replaceAll('help.example.org', 'he1p.example.org'),
          ),
        ),
      /en\/index\.html: changed/,
    ],
    [
      'an edited manifest',
      (m) => {
        const c = JSON.parse((m.get(SIGNATURE_FILE) as Buffer).toString());
        c.manifest = c.manifest.replace('"size":', '"size":1');
        m.set(SIGNATURE_FILE, Buffer.from(JSON.stringify(c)));
      },
      /signature does not match/,
    ],
    ['a removed signature', (m) => m.delete(SIGNATURE_FILE), /is missing: this copy is not signed/],
    [
      'a garbage signature file',
      (m) => m.set(SIGNATURE_FILE, Buffer.from('{"format":1')),
      /not a valid signature file/,
    ],
  ];
  for (const [name, mutate, problem] of mutations) {
    it(`names ${name}`, () => {
      const files = asMap(signed());
      mutate(files);
      const result = verifyCopy(files, [key.publicKeyHex]);
      expect(result.ok).toBe(false);
      expect(result.problems.join('\n')).toMatch(problem);
    });
  }

  it('verifies the same copy as a ZIP, read without extracting it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'outreach-zip-'));
    try {
      const zip = path.join(dir, 'copy.zip');
      writeFileSync(zip, zipSite(signed()));
      expect(verifyCopy(await readCopy(zip), [key.publicKeyHex]).ok).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const haveTools = ['pdftoppm', 'zbarimg'].every((tool) => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`]);
    return true;
  } catch {
    return false;
  }
});

describe('leaflets', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'outreach-leaflet-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('renders an A6 card in each language and a discreet A5 leaflet as PDF', async () => {
    for (const lang of ['ru', 'uk', 'en']) {
      const pdf = await renderLeaflet({
        size: 'a6',
        variant: 'plain',
        lang,
        strings: content.strings.get(lang) as never,
        url: 'https://help.example.org/?c=spring',
        printed: 'https://help.example.org',
      });
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    }
    const discreet = await renderLeaflet({
      size: 'a5',
      variant: 'discreet',
      lang: 'ru',
      strings: content.strings.get('ru') as never,
      url: 'https://help.example.org/?c=x',
      printed: 'https://help.example.org',
    });
    expect(discreet.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it.skipIf(!haveTools)(
    'has a QR code that decodes to the intake address with the campaign code',
    async () => {
      const pdf = await renderLeaflet({
        size: 'a6',
        variant: 'plain',
        lang: 'ru',
        strings: content.strings.get('ru') as never,
        url: 'https://help.example.org/?c=spring-26',
        printed: 'https://help.example.org',
      });
      const file = path.join(dir, 'card.pdf');
      writeFileSync(file, pdf);
      execFileSync('pdftoppm', ['-r', '150', '-png', '-singlefile', file, path.join(dir, 'card')]);
      expect(existsSync(path.join(dir, 'card.png'))).toBe(true);
      const decoded = execFileSync('zbarimg', ['--quiet', '--raw', path.join(dir, 'card.png')])
        .toString()
        .trim();
      expect(decoded).toBe('https://help.example.org/?c=spring-26');
    },
  );
});
