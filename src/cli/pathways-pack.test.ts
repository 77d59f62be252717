import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectSameBytes } from '../../test/support/bytes.ts';
import { correction, editPack, newPackKey } from '../../test/support/pathways-pack.ts';
import { runCli, seedDataDir, startServerProcess } from '../../test/support/process.ts';

/**
 * `sanctuary pathways pack keygen|build|verify|publish` as an operator runs it at 3 a.m.: the
 * exit codes of the contract (0 success, 64 bad usage, 65 bad input data; 66 an unreadable input,
 * 73 an output that cannot be created) and a message naming the problem on stderr.
 */
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Runs the CLI with only the given environment (no DATABASE_URL or keys from the test runner). */
const sanctuary = (args: string[], env: Record<string, string> = {}) => runCli(args, env);

/** `sanctuary pathways pack build` of `content` with `key` into `out`. */
const build = (content: string, key: string, out: string) =>
  sanctuary([
    'pathways',
    'pack',
    'build',
    '--content',
    file(content),
    '--key',
    file(key),
    '--out',
    file(out),
  ]);

let dir: string;
let publicKey: string;
/** The version of fix.pack, as `build` printed it and `verify` confirmed it (first test below). */
let contentVersion: string;
const file = (name: string): string => path.join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pathways-pack-cli-'));
  // The content to publish: the built-in content with one corrected title.
  await cp(path.join(repoRoot, 'content', 'pathways'), file('content'), { recursive: true });
  const ru = file('content/countries/ru.yaml');
  await writeFile(
    ru,
    (await readFile(ru, 'utf8')).replace('"Alternative civilian service"', `"${correction(1)}"`),
  );
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('keygen', () => {
  it('writes a private key (0600) and prints the public key; never overwrites a key', async () => {
    const r = await sanctuary(['pathways', 'pack', 'keygen', '--out', file('signing.pem')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    publicKey = /^([0-9a-f]{64})$/m.exec(r.stdout)?.[1] ?? '';
    expect(publicKey).toHaveLength(64);
    expect((await stat(file('signing.pem'))).mode & 0o777).toBe(0o600);
    expect(await readFile(file('signing.pem'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);

    const again = await sanctuary(['pathways', 'pack', 'keygen', '--out', file('signing.pem')]);
    expect(again.code).toBe(73);
    expect(again.stderr).toContain('exists; it is not overwritten');
    expect((await sanctuary(['pathways', 'pack', 'keygen'])).code).toBe(64);
  });
});

describe('build and verify', () => {
  it('builds a signed pack that verifies with the public key (exit 0)', async () => {
    const built = await build('content', 'signing.pem', 'fix.pack');
    expect(built.stderr).toBe('');
    expect(built.code).toBe(0);
    const info = JSON.parse(built.stdout) as { contentVersion: string; signer: string };
    expect(info.contentVersion).toMatch(/^[0-9a-f]{64}$/);

    const v = await sanctuary(['pathways', 'pack', 'verify', file('fix.pack'), '--public-key', publicKey]);
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({
      valid: true,
      signerTrusted: true,
      contentVersion: info.contentVersion,
    });
    contentVersion = info.contentVersion;

    // Trusted keys from the server's own variable work too.
    const env = await sanctuary(['pathways', 'pack', 'verify', file('fix.pack')], {
      SANCTUARY_PATHWAYS_PACK_KEYS: publicKey,
    });
    expect(env.code).toBe(0);
    // Without a trusted key the signature is checked against the key the pack names, and stderr says so.
    const bare = await sanctuary(['pathways', 'pack', 'verify', file('fix.pack')]);
    expect(bare.code).toBe(0);
    expect(bare.stderr).toContain('checked against the key named in the pack only');
    expect(JSON.parse(bare.stdout)).toMatchObject({ signerTrusted: null });
  });

  it('its version and content appear in `sanctuary pathways --profile … --pack`, same JSON shape', async () => {
    await writeFile(
      file('p.json'),
      JSON.stringify({
        citizenship: 'RU',
        applicantType: 'conscript',
        location: 'RU',
        documents: ['internal_passport'],
        language: 'en',
        calledUp: true,
      }),
    );
    const r = await sanctuary(['pathways', '--profile', file('p.json'), '--pack', file('fix.pack')], {
      SANCTUARY_PATHWAYS_PACK_KEYS: publicKey,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { contentVersion: string; options: Array<{ title: string }> };
    expect(Object.keys(out)).toEqual(['options', 'warnings', 'contentVersion']);
    expect(out.contentVersion).toBe(contentVersion);
    expect(out.options.map((o) => o.title)).toContain(correction(1));
  });

  it('refuses a pack by another key, a tampered or truncated pack: exit 65, naming the problem', async () => {
    const other = newPackKey().publicKeyHex;
    const wrongKey = await sanctuary(['pathways', 'pack', 'verify', file('fix.pack'), '--public-key', other]);
    expect(wrongKey.code).toBe(65);
    expect(wrongKey.stderr).toMatch(
      /invalid pack: the pack is signed by key [0-9a-f]{16}, which is not a trusted key/,
    );

    const pack = await readFile(file('fix.pack'));
    await writeFile(
      file('tampered.pack'),
      editPack(pack, (p) => {
        p.manifest = p.manifest.replace('"created":"2', '"created":"1');
      }),
    );
    const tampered = await sanctuary([
      'pathways',
      'pack',
      'verify',
      file('tampered.pack'),
      '--public-key',
      publicKey,
    ]);
    expect(tampered.code).toBe(65);
    expect(tampered.stderr).toContain('the signature does not match the manifest');

    await writeFile(file('cut.pack'), pack.subarray(0, pack.length / 2));
    const cut = await sanctuary(['pathways', 'pack', 'verify', file('cut.pack'), '--public-key', publicKey]);
    expect(cut.code).toBe(65);
    expect(cut.stderr).toContain('truncated or damaged');

    // The profile command refuses a bad pack the same way, printing nothing on stdout.
    await writeFile(
      file('p2.json'),
      JSON.stringify({ citizenship: 'RU', applicantType: 'other', location: 'RU', documents: [] }),
    );
    const withBad = await sanctuary(['pathways', '--profile', file('p2.json'), '--pack', file('cut.pack')]);
    expect(withBad.code).toBe(65);
    expect(withBad.stdout).toBe('');
  });

  it('builds nothing from invalid content or with a bad key: exit 65', async () => {
    await cp(file('content'), file('broken'), { recursive: true });
    await writeFile(file('broken/sources.yaml'), 'sources: []\n');
    const broken = await build('broken', 'signing.pem', 'broken.pack');
    expect(broken.code).toBe(65);
    expect(broken.stderr).toContain('the content is invalid; no pack was written');
    expect(existsSync(file('broken.pack'))).toBe(false);

    await writeFile(file('not-a-key.pem'), 'hello');
    const badKey = await build('content', 'not-a-key.pem', 'x.pack');
    expect(badKey.code).toBe(65);
    expect(badKey.stderr).toContain('cannot sign: not a PEM private key');
  });

  it('answers bad usage with 64 and an unreadable input with 66', async () => {
    expect((await sanctuary(['pathways', 'pack'])).code).toBe(64);
    expect((await sanctuary(['pathways', 'pack', 'sign'])).code).toBe(64);
    expect((await sanctuary(['pathways', 'pack', 'verify'])).code).toBe(64);
    expect((await sanctuary(['pathways', 'pack', 'verify', 'a', 'b'])).code).toBe(64);
    expect((await sanctuary(['pathways', 'pack', 'build', '--content', file('content')])).code).toBe(64);
    const badKeyArg = await sanctuary([
      'pathways',
      'pack',
      'verify',
      file('fix.pack'),
      '--public-key',
      'xyz',
    ]);
    expect(badKeyArg.code).toBe(64);
    expect(badKeyArg.stderr).toContain('64 lower-case hex characters');
    const missing = await sanctuary(['pathways', 'pack', 'verify', file('nope.pack')]);
    expect(missing.code).toBe(66);
    expect(missing.stderr).toContain('cannot read pack');
  });
});

describe('publish', () => {
  it('with no server running, keeps the pack in the data directory for the next start (exit 0)', async () => {
    const env = {
      SANCTUARY_ENV: 'development',
      SANCTUARY_DATA_DIR: file('data'),
      SANCTUARY_PATHWAYS_PACK_KEYS: publicKey,
      SANCTUARY_LOG_LEVEL: 'silent',
    };
    // Issue 21: not into a data directory that does not exist (nobody serves it): exit 66, nothing created.
    const nowhere = await sanctuary(['pathways', 'pack', 'publish', file('fix.pack')], env);
    expect(nowhere.code).toBe(66);
    expect(nowhere.stderr).toContain(`there is no Sanctuary data directory at ${file('data')}`);
    expect(existsSync(file('data'))).toBe(false);
    await seedDataDir(file('data'));
    const r = await sanctuary(['pathways', 'pack', 'publish', file('fix.pack')], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'installed' });
    expectSameBytes(
      await readFile(file('data/pathways/current-pack.json')),
      await readFile(file('fix.pack')),
      'the kept pack',
    );

    const refused = await sanctuary(['pathways', 'pack', 'publish', file('tampered.pack')], env);
    expect(refused.code).toBe(65);
    expect(refused.stderr).toContain('content pack refused: the signature does not match the manifest');
    expectSameBytes(
      await readFile(file('data/pathways/current-pack.json')),
      await readFile(file('fix.pack')),
      'the kept pack',
    );
  }, 180_000);
});

describe('publish to a running server', () => {
  /** The applicant's self-check on the running server, as a conscript in Russia, in English. */
  async function selfCheck(url: string): Promise<string> {
    const res = await fetch(`${url}/pathways?lang=en`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        citizenship: 'RU',
        location: 'RU',
        applicantType: 'conscript',
        documents: 'internal_passport',
      }).toString(),
    });
    expect(res.status).toBe(200);
    return res.text();
  }

  it('serves the pack at once through the admin socket, refuses a tampered one, and serves it again after a restart', async () => {
    const env = {
      SANCTUARY_ENV: 'development',
      SANCTUARY_DATA_DIR: file('live'),
      SANCTUARY_PATHWAYS_PACK_KEYS: publicKey,
    };
    // A data directory a server has already started on (the first start is test/cli.test.ts's).
    await seedDataDir(file('live'));
    let server = await startServerProcess(env);
    try {
      expect(await selfCheck(server.url)).not.toContain(correction(1));
      const published = await sanctuary(['pathways', 'pack', 'publish', file('fix.pack')], env);
      expect(published.stderr).toBe('');
      expect(published.code).toBe(0);
      const page = await selfCheck(server.url);
      expect(page).toContain(correction(1));
      expect(page).toContain(`<code>${contentVersion.slice(0, 12)}</code>`);

      const refused = await sanctuary(['pathways', 'pack', 'publish', file('tampered.pack')], env);
      expect(refused.code).toBe(65);
      expect(refused.stderr).toContain('content pack refused: the signature does not match the manifest');
      expect(await selfCheck(server.url)).toContain(correction(1));
    } finally {
      expect(await server.stop()).toBe(0);
    }
    server = await startServerProcess(env);
    try {
      expect(await selfCheck(server.url)).toContain(correction(1));
      expect(server.output()).toContain('serving the pathways content pack kept in the data directory');
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }, 240_000);
});
