import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateContentSigningKey } from '../../src/crypto/index.ts';
import {
  loadOutreachContent,
  readCopy,
  renderSite,
  signSite,
  verifyCopy,
} from '../../src/modules/outreach/index.ts';
import { axeViolations, launchBrowser } from './browser.ts';

/**
 * The mirrorable outreach site as a reader gets it: a copy on disk, opened from a file path in
 * Chromium with JavaScript disabled. Every page is reached by following links from the root,
 * nothing is requested from anywhere but the copy itself, every page is under 30 KB, axe
 * passes, and a tampered copy fails verification.
 */
let browser: Browser;
let dir: string;
const key = generateContentSigningKey();

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'outreach-e2e-'));
  const content = await loadOutreachContent();
  const files = signSite(
    renderSite(content, { web: 'https://help.example.org', telegram: 'HelpToLeaveBot' }, 'mirror-e2e'),
    key.privateKeyPem,
    content.version,
    new Date(),
  );
  for (const f of files) {
    await mkdir(path.dirname(path.join(dir, f.path)), { recursive: true });
    writeFileSync(path.join(dir, f.path), f.bytes);
  }
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the outreach copy from a file path, without JavaScript', () => {
  it('opens, links every page from the root, loads nothing from elsewhere, stays small', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    const root = pathToFileURL(dir).href;
    const foreign: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(root)) foreign.push(r.url());
    });
    const seen = new Set<string>();
    const queue = [`${root}/index.html`];
    while (queue.length > 0) {
      const url = queue.shift() as string;
      if (seen.has(url)) continue;
      seen.add(url);
      const response = await page.goto(url);
      expect(response?.ok(), url).toBe(true);
      const hrefs = await page
        .locator('a[href]')
        .evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
      for (const h of hrefs) if (h.startsWith(root)) queue.push(h.split('#')[0] as string);
    }
    expect(seen.size).toBe(19); // the root, and an index and five guides in each of three languages
    expect(foreign).toEqual([]);
    const copy = await readCopy(dir);
    for (const [name, bytes] of copy)
      if (name.endsWith('.html')) expect(bytes.length, name).toBeLessThan(30 * 1024);
    await context.close();
  });

  it.each(['ru/index.html', 'uk/surrender.html', 'en/families.html'])('passes axe: %s', async (file) => {
    // axe needs script; the page itself has none, so this context only runs axe's own.
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(pathToFileURL(path.join(dir, file)).href);
    expect(await axeViolations(page)).toEqual([]);
    await context.close();
  });

  it('fails verification once a page is altered', async () => {
    writeFileSync(path.join(dir, 'ru/surrender.html'), '<a href="https://phish.example">Хочу жить</a>');
    const result = verifyCopy(await readCopy(dir), [key.publicKeyHex]);
    expect(result.ok).toBe(false);
    expect(result.problems).toContain('ru/surrender.html: changed');
  });
});
