/**
 * `sanctuary outreach build|verify|leaflet` (issue 20, ADR 0155): the signed, mirrorable static
 * site of the guides, its verification, and printable leaflets. Nothing here touches the
 * database or the data directory. Exit codes follow sysexits(3): 0 success, 64 bad usage,
 * 65 bad input (invalid content, a key that cannot sign, a copy that fails verification),
 * 66 an input that cannot be read, 73 an output that cannot be created.
 */
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SigningKeyError } from '../crypto/index.ts';
import {
  ARRIVAL_CODE,
  type IntakeAddresses,
  loadOutreachContent,
  MAX_PAGE_BYTES,
  OutreachContentError,
  readCopy,
  renderSite,
  signSite,
  staleGuides,
  verifyCopy,
  zipSite,
} from '../modules/outreach/index.ts';
import { writeSyncedFile } from '../platform/files.ts';
import type { CliCall } from './main.ts';

export const summary = 'build, verify and print the outreach guides (static site, leaflets)';

const EX_USAGE = 64;
const EX_DATAERR = 65;
const EX_NOINPUT = 66;
const EX_CANTCREAT = 73;

const usage = [
  'usage: sanctuary outreach build --key K --out DIR [--zip FILE] [--web URL] [--onion URL]',
  '                                [--telegram BOT] [--campaign CODE] [--content DIR]',
  '       sanctuary outreach verify COPY [--public-key HEX ...]',
  '       sanctuary outreach leaflet --out FILE [--size a6|a5] [--lang ru|uk|en] [--variant plain|discreet]',
  '                                  [--web URL] [--campaign CODE]',
  '',
  'COPY is a directory or a ZIP made by build. Trusted keys: --public-key, else',
  'SANCTUARY_OUTREACH_KEYS (comma-separated). --web defaults to SANCTUARY_PUBLIC_URL.',
].join('\n');

function fail(message: string, code: number): number {
  process.stderr.write(`sanctuary outreach: ${message}\n`);
  return code;
}

type Values = Record<string, string | boolean | string[] | undefined>;

function text(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The intake addresses from the options; a string is the problem. */
export function addressesFrom(values: Values): IntakeAddresses | string {
  const web = text(values, 'web') ?? process.env.SANCTUARY_PUBLIC_URL;
  const onion = text(values, 'onion');
  const telegram = text(values, 'telegram')?.replace(/^@/, '');
  const out: IntakeAddresses = {};
  if (web !== undefined && web !== '') {
    if (!/^https?:\/\/[^\s/?#]+(?:\/[^\s?#]*)?$/.test(web))
      return `--web must be an http(s) address without a query, got ${JSON.stringify(web.slice(0, 80))}`;
    out.web = web;
  }
  if (onion !== undefined) {
    if (!/^https?:\/\/[a-z2-7]{56}\.onion\/?$/.test(onion))
      return '--onion must be a v3 onion address such as http://<56 letters>.onion/';
    out.onion = onion;
  }
  if (telegram !== undefined) {
    if (!/^[A-Za-z][A-Za-z0-9_]{3,31}bot$/i.test(telegram))
      return '--telegram must be a bot user name such as HelpToLeaveBot';
    out.telegram = telegram;
  }
  if (Object.keys(out).length === 0)
    return 'at least one intake address is needed: --web (or SANCTUARY_PUBLIC_URL), --onion or --telegram';
  return out;
}

/** The options and arguments as the command table (commands.ts) checked them. */
type Parsed = Pick<CliCall, 'values' | 'positionals'>;

async function build(parsed: Parsed): Promise<number> {
  const keyFile = text(parsed.values, 'key');
  const out = text(parsed.values, 'out');
  if (keyFile === undefined || out === undefined || parsed.positionals.length > 0)
    return fail(`--key and --out are required\n${usage}`, EX_USAGE);
  const campaign = text(parsed.values, 'campaign');
  if (campaign !== undefined && !ARRIVAL_CODE.test(campaign))
    return fail('--campaign is 1 to 24 lower-case letters, digits and dashes', EX_USAGE);
  const addresses = addressesFrom(parsed.values);
  if (typeof addresses === 'string') return fail(addresses, EX_USAGE);
  const key = await readFile(keyFile, 'utf8').catch(() => undefined);
  if (key === undefined) return fail(`cannot read key file ${keyFile}`, EX_NOINPUT);
  const exists = await stat(out).then(
    () => true,
    () => false,
  );
  if (exists)
    return fail(`${out} exists; choose a new directory (a copy is never written over another)`, EX_CANTCREAT);

  let content: Awaited<ReturnType<typeof loadOutreachContent>>;
  try {
    content = await loadOutreachContent(text(parsed.values, 'content'));
  } catch (err) {
    if (err instanceof OutreachContentError)
      return fail(`the content is invalid; nothing was written:\n  ${err.issues.join('\n  ')}`, EX_DATAERR);
    return fail(
      `cannot read the content (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      EX_NOINPUT,
    );
  }
  const site = renderSite(content, addresses, campaign);
  const tooBig = site.filter((f) => f.path.endsWith('.html') && f.bytes.length > MAX_PAGE_BYTES);
  if (tooBig.length > 0)
    return fail(
      `pages over ${MAX_PAGE_BYTES} bytes: ${tooBig.map((f) => `${f.path} (${f.bytes.length})`).join(', ')}`,
      EX_DATAERR,
    );
  let signed: ReturnType<typeof signSite>;
  try {
    signed = signSite(site, key, content.version, new Date());
  } catch (err) {
    if (err instanceof SigningKeyError)
      return fail(`the key in ${keyFile} cannot sign: ${err.message}`, EX_DATAERR);
    throw err;
  }
  const tmp = `${out.replace(/\/+$/, '')}.tmp-${process.pid}`;
  try {
    for (const f of signed) {
      await mkdir(path.dirname(path.join(tmp, f.path)), { recursive: true });
      await writeFile(path.join(tmp, f.path), f.bytes, { mode: 0o644 });
    }
    await rename(tmp, out);
    const zip = text(parsed.values, 'zip');
    if (zip !== undefined) await writeSyncedFile(zip, zipSite(signed), 0o644);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    return fail(`cannot write the copy (${(err as NodeJS.ErrnoException).code ?? 'error'})`, EX_CANTCREAT);
  }
  for (const line of staleGuides(content, new Date().toISOString().slice(0, 10)))
    process.stderr.write(`sanctuary outreach: note: review due: ${line}\n`);
  const largest = Math.max(...site.filter((f) => f.path.endsWith('.html')).map((f) => f.bytes.length));
  process.stdout.write(
    `${JSON.stringify({ out, files: signed.length, pages: site.filter((f) => f.path.endsWith('.html')).length, largestPageBytes: largest, contentVersion: content.version }, null, 2)}\n`,
  );
  return 0;
}

async function verify(parsed: Parsed): Promise<number> {
  const [copy, ...rest] = parsed.positionals;
  if (copy === undefined || copy === '' || rest.length > 0)
    return fail(`one copy (a directory or a ZIP) is required\n${usage}`, EX_USAGE);
  const given = parsed.values['public-key'];
  const list =
    Array.isArray(given) && given.length > 0 ? given : (process.env.SANCTUARY_OUTREACH_KEYS ?? '').split(',');
  const keys = list.map((k) => k.trim()).filter((k) => k !== '');
  for (const k of keys)
    if (!/^[0-9a-f]{64}$/.test(k)) return fail('a public key is 64 lower-case hex characters', EX_USAGE);
  let files: Map<string, Buffer>;
  try {
    files = await readCopy(copy);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== undefined) return fail(`cannot read ${copy} (${code})`, EX_NOINPUT);
    return fail(`cannot read ${copy}: ${(err as Error).message}`, EX_DATAERR);
  }
  const result = verifyCopy(files, keys);
  if (keys.length === 0 && result.signer !== undefined)
    process.stderr.write(
      `sanctuary outreach: note: the signature was checked against the key the copy names (${result.signer}) only; pass --public-key or set SANCTUARY_OUTREACH_KEYS to check it is the organisation's\n`,
    );
  process.stdout.write(
    `${JSON.stringify({ valid: result.ok, ...result, signerTrusted: result.signerTrusted ?? null }, null, 2)}\n`,
  );
  if (!result.ok) {
    for (const p of result.problems) process.stderr.write(`sanctuary outreach: ${p}\n`);
    return EX_DATAERR;
  }
  return 0;
}

/** Help, unknown options and sub-commands are answered by the dispatcher from commands.ts. */
export async function run(_args: string[], call: CliCall): Promise<number> {
  const sub = call.path[1];
  if (sub === 'build') return build(call);
  if (sub === 'verify') return verify(call);
  if (sub === 'leaflet') {
    const { leaflet } = await import('./outreach-leaflet.ts');
    return leaflet(call, { fail, text, addressesFrom, usage });
  }
  return fail(`a sub-command is needed\n${usage}`, EX_USAGE);
}
