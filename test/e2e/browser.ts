import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { totpCode } from '../../src/crypto/index.ts';
import type { TestStaff } from '../support/app.ts';

/**
 * Debian's Chromium, driven by playwright-core. The flags keep Chromium from calling
 * any outside service (the machine has no network, and Sanctuary must not either).
 */
/** Starts a test app on a free loopback port for the browser; returns its base URL. */
export async function listenForBrowser(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

/**
 * Signs a staff member in through the login form and waits for the queue. The code is the next
 * TOTP step: enrolment used the current one, and a code is accepted once.
 */
export async function signInAsStaff(
  page: Page,
  base: string,
  staff: TestStaff,
  locale: string,
): Promise<void> {
  await page.goto(`${base}/staff/login?lang=${locale}`);
  await page.fill('#email', staff.email);
  await page.fill('#password', staff.password);
  await page.fill('#totp', totpCode(staff.totpSecret, Date.now() + 30_000));
  await Promise.all([page.waitForURL(/\/staff\?/), page.click('form.stack button[type=submit]')]);
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/** Records every request the page makes, so a test can assert nothing leaves the server. */
export function recordRequests(context: BrowserContext): string[] {
  const urls: string[] = [];
  context.on('request', (request) => urls.push(request.url()));
  return urls;
}

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  nodes: unknown[];
}

const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * Runs axe-core on the page and returns the violations: the WCAG 2.1 A and AA rules by
 * default, or every axe rule with `{ rules: 'all' }`. Evaluated through the DevTools
 * protocol, so the page's strict CSP stays in force.
 */
export async function axeViolations(
  page: Page,
  options: { rules?: 'wcag21aa' | 'all' } = {},
): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  const tags = options.rules === 'all' ? null : WCAG_TAGS;
  return page.evaluate(async (onlyTags) => {
    const axe = (
      globalThis as unknown as {
        axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: AxeViolation[] }> };
      }
    ).axe;
    const result = await axe.run(
      document,
      onlyTags === null ? {} : { runOnly: { type: 'tag', values: onlyTags } },
    );
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3) }));
  }, tags);
}
