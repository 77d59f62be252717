/**
 * `sanctuary pathways pack keygen|build|verify|publish`: signed pathways content packs
 * (ADR 0102, 0103). Exit codes follow sysexits(3), as `sanctuary pathways` does: 0 success,
 * 64 bad usage, 65 bad input data (a bad pack, key or content), 66 an input that cannot be read,
 * 69 no server and no database to publish to, 73 an output that cannot be created, 78 bad config.
 * Every problem is named on stderr, never with a stack trace.
 */
import { readFile, rename, rm, stat } from 'node:fs/promises';
import type { CliActor } from '../access/index.ts';
import { generateContentSigningKey, publicKeyFingerprint, SigningKeyError } from '../crypto/index.ts';
import {
  buildContentPack,
  ContentPackError,
  MAX_PACK_BYTES,
  openContentPack,
  PathwaysContentError,
  readContentDir,
  type VerifiedPack,
} from '../modules/pathways/index.ts';
import { isAppError } from '../platform/errors.ts';
import { writeSyncedFile } from '../platform/files.ts';
import { adminErrorText } from './admin-client.ts';
import { callAdmin, serverIsRunning, withDirectContext } from './direct.ts';
import type { CliCall, CliValues } from './main.ts';
import { configOrExit, EXIT } from './shared.ts';

const EX_USAGE = 64;
const EX_DATAERR = 65;
const EX_NOINPUT = 66;
const EX_CANTCREAT = 73;

const usage = '(sanctuary pathways pack --help)';

function fail(message: string, code: number): number {
  process.stderr.write(`sanctuary pathways pack: ${message}\n`);
  return code;
}

type Values = CliValues;

function text(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Reads a whole input file with a size limit; a number is an exit code (already reported). */
async function readInput(file: string, what: string, limit: number): Promise<Buffer | number> {
  try {
    const info = await stat(file);
    if (!info.isFile()) return fail(`${what} ${file} is not a file`, EX_NOINPUT);
    if (info.size > limit)
      return fail(`${what} is too large (${info.size} bytes; the limit is ${limit})`, EX_DATAERR);
    return await readFile(file);
  } catch (err) {
    return fail(
      `cannot read ${what} ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      EX_NOINPUT,
    );
  }
}

/** Writes a file whole or not at all (temporary file, fsync, rename). */
async function writeWhole(
  file: string,
  bytes: Buffer | string,
  mode: number,
  exclusive: boolean,
): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeSyncedFile(tmp, bytes, mode);
  try {
    if (exclusive) {
      const exists = await stat(file).then(
        () => true,
        () => false,
      );
      if (exists) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
    }
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
}

function packProblem(err: unknown): number {
  if (err instanceof ContentPackError) return fail(`invalid pack: ${err.message}`, EX_DATAERR);
  if (err instanceof PathwaysContentError) return fail(`invalid pack: ${err.message}`, EX_DATAERR);
  throw err;
}

async function keygen(parsed: CliCall): Promise<number> {
  const out = text(parsed.values, 'out');
  if (out === undefined || parsed.positionals.length > 0) return fail(`--out is required ${usage}`, EX_USAGE);
  const key = generateContentSigningKey();
  try {
    await writeWhole(out, key.privateKeyPem, 0o600, true);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST')
      return fail(
        `${out} exists; it is not overwritten (a lost signing key cannot be recovered)`,
        EX_CANTCREAT,
      );
    return fail(`cannot write ${out} (${code ?? 'error'})`, EX_CANTCREAT);
  }
  process.stdout.write(
    [
      `Private signing key written to ${out} (mode 0600). Keep it off the server, on an encrypted medium.`,
      `Public key (put it in SANCTUARY_PATHWAYS_PACK_KEYS on the server):`,
      key.publicKeyHex,
      `Fingerprint: ${publicKeyFingerprint(key.publicKeyHex)}`,
      '',
    ].join('\n'),
  );
  return 0;
}

async function build(parsed: CliCall): Promise<number> {
  const content = text(parsed.values, 'content');
  const keyFile = text(parsed.values, 'key');
  const out = text(parsed.values, 'out');
  if (content === undefined || keyFile === undefined || out === undefined || parsed.positionals.length > 0) {
    return fail(`--content, --key and --out are required ${usage}`, EX_USAGE);
  }
  const key = await readInput(keyFile, 'key file', 64 * 1024);
  if (typeof key === 'number') return key;
  let files: Awaited<ReturnType<typeof readContentDir>>;
  try {
    files = await readContentDir(content);
  } catch (err) {
    return fail(
      `cannot read content directory ${content} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      EX_NOINPUT,
    );
  }
  if (files.length === 0) return fail(`${content} holds no YAML files`, EX_DATAERR);
  let pack: Buffer;
  try {
    pack = buildContentPack(files, key.toString('utf8'), new Date());
  } catch (err) {
    if (err instanceof SigningKeyError)
      return fail(`the key in ${keyFile} cannot sign: ${err.message}`, EX_DATAERR);
    if (err instanceof PathwaysContentError)
      return fail(`the content is invalid; no pack was written:\n  ${err.issues.join('\n  ')}`, EX_DATAERR);
    if (err instanceof ContentPackError) return fail(err.message, EX_DATAERR);
    throw err;
  }
  try {
    await writeWhole(out, pack, 0o644, false);
  } catch (err) {
    return fail(`cannot write ${out} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, EX_CANTCREAT);
  }
  const info = openContentPack(pack, { trustedKeys: undefined }).info;
  process.stdout.write(
    `${JSON.stringify({ out, ...info, files: files.length, bytes: pack.length }, null, 2)}\n`,
  );
  return 0;
}

/** Trusted keys for `verify`: --public-key values, else SANCTUARY_PATHWAYS_PACK_KEYS, else none. */
function trustedKeysFor(values: Values): string[] | undefined | number {
  const given = values['public-key'];
  const list =
    Array.isArray(given) && given.length > 0
      ? given
      : (process.env.SANCTUARY_PATHWAYS_PACK_KEYS ?? '').split(',');
  const keys = list.map((k) => k.trim()).filter((k) => k !== '');
  for (const k of keys) {
    if (!/^[0-9a-f]{64}$/.test(k))
      return fail(
        `a public key must be 64 lower-case hex characters, got ${JSON.stringify(k.slice(0, 80))}`,
        EX_USAGE,
      );
  }
  return keys.length === 0 ? undefined : keys;
}

/**
 * Reads and opens a pack file, with the keys of `--public-key` / SANCTUARY_PATHWAYS_PACK_KEYS
 * (`values`), reporting every problem on stderr; a number is the exit code. Also used by
 * `sanctuary pathways --profile P.json --pack P`.
 */
export async function openPackFile(file: string, values: Values = {}): Promise<VerifiedPack | number> {
  const trustedKeys = trustedKeysFor(values);
  if (typeof trustedKeys === 'number') return trustedKeys;
  const bytes = await readInput(file, 'pack', MAX_PACK_BYTES);
  if (typeof bytes === 'number') return bytes;
  let verified: VerifiedPack;
  try {
    verified = openContentPack(bytes, { trustedKeys });
  } catch (err) {
    return packProblem(err);
  }
  if (trustedKeys === undefined) {
    process.stderr.write(
      `sanctuary pathways pack: note: signer ${verified.info.signer} was checked against the key named in the pack only; pass --public-key or set SANCTUARY_PATHWAYS_PACK_KEYS to check it is a trusted key\n`,
    );
  }
  return verified;
}

async function verifyPack(parsed: CliCall): Promise<number> {
  const [file, ...rest] = parsed.positionals;
  if (file === undefined || file === '' || rest.length > 0)
    return fail(`one pack file is required ${usage}`, EX_USAGE);
  const verified = await openPackFile(file, parsed.values);
  if (typeof verified === 'number') return verified;
  const out = {
    valid: true,
    ...verified.info,
    signerTrusted: trustedKeysFor(parsed.values) === undefined ? null : true,
    files: verified.knowledgeBase.files.length,
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  return 0;
}

const CLI: CliActor = { kind: 'cli', id: 'cli' };

async function publish(parsed: CliCall): Promise<number> {
  const [file, ...rest] = parsed.positionals;
  if (file === undefined || file === '' || rest.length > 0)
    return fail(`one pack file is required ${usage}`, EX_USAGE);
  const force = parsed.values.force === true;
  const config = await configOrExit();
  if (typeof config === 'number') return config;
  const bytes = await readInput(file, 'pack', MAX_PACK_BYTES);
  if (typeof bytes === 'number') return bytes;
  try {
    let result: unknown;
    if (await serverIsRunning(config)) {
      const res = await callAdmin(config.adminSocket, 'POST', '/pathways/pack', {
        pack: bytes.toString('base64'),
        force,
      });
      if (res.status !== 200)
        return fail(adminErrorText(res.body), res.status < 500 ? EX_DATAERR : EXIT.software);
      result = res.body;
    } else {
      // No server: keep the pack in the data directory; the server serves it when it starts.
      const { publishContentPack } = await import('../modules/pathways/index.ts');
      result = await withDirectContext(config, (ctx) => publishContentPack(ctx, CLI, bytes, { force }));
    }
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } catch (err) {
    if (isAppError(err) && err.status < 500) return fail(err.message, EX_DATAERR);
    return fail((err as Error).message, EXIT.software);
  }
}

/** Runs `sanctuary pathways pack …` (the dispatcher checked the sub-command and options). */
export async function run(call: CliCall): Promise<number> {
  switch (call.path[2]) {
    case 'keygen':
      return keygen(call);
    case 'build':
      return build(call);
    case 'verify':
      return verifyPack(call);
    default:
      return publish(call);
  }
}
