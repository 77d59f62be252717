// `npm run screenshots [-- --lang en|ru|uk]`: the screenshots in docs/screenshots/, taken from
// the code as it is now. Starts the platform with the demo organisation in a temporary data
// directory (development mode, loopback, a free port), signs in as the demo caseworker with the
// printed TOTP secret, and writes, at 1280x800:
//   home.png, queue.png, case-file.png  (staff pages)
//   applicant-form.png                  (the intake form)
// Pages are reached by URL and captured once loaded, so the script does not depend on how the
// pages look inside. Nothing is kept: the temporary directory is removed at the end.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { totpCode } from '../src/crypto/index.ts';
import { launchBrowser } from '../test/e2e/browser.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'docs', 'screenshots');
const bin = join(root, 'bin', 'sanctuary.js');
const CASEWORKER = 'olga.caseworker@demo.invalid';
const PASSWORD = 'demo password, never in production';
const VIEWPORT = { width: 1280, height: 800 };

const { values } = parseArgs({ options: { lang: { type: 'string', default: 'en' } } });
const lang = values.lang ?? 'en';
if (!['en', 'ru', 'uk'].includes(lang)) {
  process.stderr.write('screenshots: --lang is en, ru or uk\n');
  process.exit(64);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** Runs the CLI to its end and returns what it printed; fails with its output otherwise. */
function cli(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (b: Buffer) => {
      output += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      output += b.toString();
    });
    child.on('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`sanctuary ${args.join(' ')}:\n${output}`)),
    );
  });
}

/** Waits until the server answers /readyz with "ready" (a condition, with a generous limit). */
async function ready(base: string, server: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i += 1) {
    if (server.exitCode !== null) throw new Error(`the server stopped (exit ${server.exitCode})`);
    const answer = await fetch(`${base}/readyz`).catch(() => undefined);
    if (answer?.ok) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('the server did not become ready within 5 minutes');
}

async function shoot(page: Page, url: string, file: string): Promise<void> {
  await page.goto(url, { waitUntil: 'load' });
  await page.screenshot({ path: join(out, file) });
  process.stdout.write(`  docs/screenshots/${file}  (${new URL(url).pathname})\n`);
}

const dir = mkdtempSync(join(tmpdir(), 'sanctuary-screenshots-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const env: NodeJS.ProcessEnv = {
  ...process.env,
  SANCTUARY_ENV: 'development',
  SANCTUARY_DATA_DIR: dir,
  HOST: '127.0.0.1',
  PORT: String(port),
  SANCTUARY_PUBLIC_URL: base,
};
delete env.DATABASE_URL;
let server: ChildProcess | undefined;
try {
  process.stdout.write(`Loading the demo organisation into ${dir} …\n`);
  const printed = await cli(['demo', '--cases', '40'], env);
  const secret = new RegExp(`${CASEWORKER.replace('.', '\\.')}\\s+\\S+\\s+TOTP secret (\\S+)`).exec(
    printed,
  )?.[1];
  if (secret === undefined) throw new Error(`the demo printed no TOTP secret for ${CASEWORKER}:\n${printed}`);

  server = spawn(process.execPath, [bin, 'serve'], { env, stdio: 'ignore' });
  await ready(base, server);

  mkdirSync(out, { recursive: true });
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext({ viewport: VIEWPORT, locale: lang });
    const page = await context.newPage();
    await shoot(page, `${base}/?lang=${lang}`, 'applicant-form.png');

    // The next TOTP step: the demo's enrolment used the current one, and a code is accepted once.
    await page.goto(`${base}/staff/login?lang=${lang}`, { waitUntil: 'load' });
    await page.fill('#email', CASEWORKER);
    await page.fill('#password', PASSWORD);
    await page.fill('#totp', totpCode(secret, Date.now() + 30_000));
    // Enter in the last field sends the form whatever its button looks like; the next page has
    // loaded when the answer (the workspace, or the sign-in form again if refused) is shown.
    await Promise.all([page.waitForEvent('load', { timeout: 120_000 }), page.press('#totp', 'Enter')]);
    if (new URL(page.url()).pathname.startsWith('/staff/login')) {
      const said = ((await page.locator('main').first().textContent()) ?? '').trim().slice(0, 400);
      throw new Error(`the demo caseworker's sign-in was refused:\n${said}`);
    }
    await shoot(page, `${base}/staff?lang=${lang}`, 'home.png');
    await shoot(page, `${base}/staff/cases?lang=${lang}`, 'queue.png');
    const href = await page.locator('a[href^="/staff/cases/C-"]').first().getAttribute('href');
    if (href === null) throw new Error('the queue shows no case to open');
    await shoot(page, `${base}${href.split('?')[0]}?lang=${lang}`, 'case-file.png');
    await context.close();
  } finally {
    await browser.close();
  }
} finally {
  server?.kill('SIGTERM');
  if (server !== undefined && server.exitCode === null) {
    await new Promise((r) => server?.once('exit', r));
  }
  rmSync(dir, { recursive: true, force: true });
}
