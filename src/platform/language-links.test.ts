import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../test/support/app.ts';
import { sameSitePath, withLang } from './html.tsx';

/**
 * Finding 11 of issue 12: the language links of a page are built from the route, never from
 * the raw request path, so a hostile path cannot make them point to another site.
 */
const HOSTILE = [
  '//evil.example/x',
  '///evil.example/x',
  '/\\evil.example',
  '/%2F%2Fevil.example',
  '/%2f/evil.example',
  '/%5Cevil.example',
  '/%5C%5Cevil.example/x',
  '//evil.example/staff',
  '/staff//evil.example',
  '/staff/%2F%2Fevil.example',
  '/staff/cases/%2F%2Fevil.example',
  '/inbox//evil.example',
  '/pathways/..%2F..%2F%2Fevil.example',
];
const PAGES = ['/', '/inbox', '/pathways', '/staff/login', '/nowhere'];
const ORIGIN = 'http://sanctuary.test';

function languageLinks(html: string): string[] {
  const nav = /<nav class="langs"[\s\S]*?<\/nav>/.exec(html)?.[0] ?? '';
  return [...nav.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
}

describe('language links never leave the site', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  it.each([...HOSTILE, ...PAGES])('GET %s: every language link stays on this site', async (url) => {
    for (const lang of ['ru', 'uk', 'en']) {
      const res = await t.app.inject({ url: `${url}?lang=${lang}`, headers: { host: 'sanctuary.test' } });
      const links = languageLinks(res.body);
      expect(links.length, `${url} (${res.statusCode}) shows language links`).toBe(2);
      for (const href of links) {
        expect(new URL(href, `${ORIGIN}${url.startsWith('/') ? '' : '/'}`).origin).toBe(ORIGIN);
        expect(href).toMatch(/^\/(?![/\\])/);
      }
    }
  });

  it('links while sealed stay on this site too', async () => {
    t.ctx.vault.seal();
    for (const url of HOSTILE) {
      const res = await t.app.inject({ url, headers: { host: 'sanctuary.test' } });
      for (const href of languageLinks(res.body)) {
        expect(new URL(href, ORIGIN).origin).toBe(ORIGIN);
        expect(href).toMatch(/^\/(?![/\\])/);
      }
    }
  });
});

describe('sameSitePath', () => {
  it.each([
    ['/', '/'],
    ['/inbox', '/inbox'],
    ['/staff/cases/C-1?x=1', '/staff/cases/C-1?x=1'],
    ['//evil.example', '/'],
    ['/\\evil.example', '/'],
    ['\\\\evil.example', '/'],
    ['https://evil.example/', '/'],
    ['javascript:alert(1)', '/'],
    ['/a b', '/'],
    ['/a\tb', '/'],
    ['', '/'],
  ])('%j → %j', (input, expected) => {
    expect(sameSitePath(input)).toBe(expected);
    expect(new URL(withLang(input, 'en'), ORIGIN).origin).toBe(ORIGIN);
  });
});
