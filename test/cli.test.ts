import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { totpCode } from '../src/crypto/index.ts';
import { filesContaining } from './support/canary.ts';
import { dbMode } from './support/db.ts';
import { disableAuditGuards } from './support/intruder.ts';
import { runCli, seedDataDir, startServerProcess } from './support/process.ts';

/**
 * The operator's path, through the real command: keys init, a sealed start, unsealing
 * share by share, staff creation, audit verification, sealing, and the data-directory
 * lock. These run on the embedded database (the processes own their data directory).
 */
/** Every file under `dir` with its size, modification time and content hash. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const st = statSync(path);
    files[path] = `${st.size} ${st.mtimeMs} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
  }
  return files;
}

describe.runIf(dbMode() === 'pglite')('sanctuary CLI against a running server', () => {
  const dirs: string[] = [];
  const newDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'sanctuary-cli-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('initialises a split key, starts sealed, unseals with K shares, enrols staff, verifies and seals', async () => {
    const dataDir = newDir();
    const env = {
      SANCTUARY_DATA_DIR: dataDir,
      SANCTUARY_ENV: 'production',
      SANCTUARY_PUBLIC_URL: 'https://help.example.org',
      SANCTUARY_LOG_LEVEL: 'warn',
    };
    const init = await runCli(['keys', 'init', '--shares', '3', '--threshold', '2'], env);
    expect(init.code, init.stderr).toBe(0);
    const shares = [...init.stdout.matchAll(/^share \d: (\S+)$/gm)].map((m) => m[1]!);
    expect(shares).toHaveLength(3);
    // The audit key's fingerprint, printed once for the operator's records (ADR 0085).
    const fingerprint = /^Audit key fingerprint: ((?:[0-9a-f]{4}-){7}[0-9a-f]{4})$/m.exec(init.stdout)?.[1];
    expect(fingerprint).toBeDefined();
    // Nothing under the data directory holds a share.
    for (const share of shares) expect(filesContaining(dataDir, share.split('.')[2]!)).toEqual([]);

    const again = await runCli(['keys', 'init', '--shares', '3', '--threshold', '2'], env);
    expect(again.code).not.toBe(0);

    const server = await startServerProcess(env);
    try {
      expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
      expect((await fetch(`${server.url}/staff/login`)).status).toBe(503);
      const refused = await runCli(['staff', 'create', '--email', 'a@example.org', '--role', 'admin'], env);
      expect(refused.code).not.toBe(0);

      const first = await runCli(['unseal'], env, `${shares[0]}\n`);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toContain('1 of 2');
      expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
      const bad = await runCli(['unseal'], env, 'sanctuary-share-v1.0011223344556677.AAAA.00000000\n');
      expect(bad.code).not.toBe(0);
      const second = await runCli(['unseal'], env, `${shares[2]}\n`);
      expect(second.stdout).toContain('Unsealed');
      expect(await (await fetch(`${server.url}/readyz`)).json()).toEqual({ status: 'ready' });

      const staff = await runCli(['staff', 'create', '--email', 'Admin@Example.org', '--role', 'admin'], env);
      expect(staff.code, staff.stderr).toBe(0);
      const link = /https:\/\/help\.example\.org\/staff\/enrol\/([A-Za-z0-9_-]{43})/.exec(staff.stdout);
      expect(link).not.toBeNull();
      const enrolPage = await fetch(`${server.url}/staff/enrol/${link![1]}`);
      expect(enrolPage.status).toBe(200);
      const badRole = await runCli(['staff', 'create', '--email', 'b@example.org', '--role', 'emperor'], env);
      expect(badRole.code).toBe(64);

      const checkpoint = await runCli(['audit', 'checkpoint', '--out', join(dataDir, 'witness.jsonl')], env);
      expect(checkpoint.code, checkpoint.stderr).toBe(0);
      expect(JSON.parse(checkpoint.stdout)).toMatchObject({
        seq: expect.any(Number),
        signature: expect.stringMatching(/^[0-9a-f]{128}$/),
      });
      const verify = await runCli(['audit', 'verify'], env);
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
      expect(verify.stdout).toContain('intact');

      // Rotation (issue 12, finding 1): new shares printed once, the same k of n by default;
      // the old shares stop working, the new ones unseal, and the enrolment link still opens.
      expect((await runCli(['keys', 'rotate', '--shares', '3'], env)).code).toBe(64);
      expect((await runCli(['keys', 'rotate', '--shares', '1', '--threshold', '3'], env)).code).toBe(64);
      const rotate = await runCli(['keys', 'rotate'], env);
      expect(rotate.code, rotate.stderr).toBe(0);
      const newShares = [...rotate.stdout.matchAll(/^share \d: (\S+)$/gm)].map((m) => m[1]!);
      expect(newShares).toHaveLength(3);
      expect(rotate.stdout).toContain('any 2 of them');
      expect((await runCli(['seal'], env)).code).toBe(0);
      const stale = await runCli(['unseal'], env, `${shares[0]}\n`);
      expect(stale.code).not.toBe(0);
      expect(stale.stderr).toContain('belongs to key');
      await runCli(['unseal'], env, `${newShares[1]}\n`);
      expect((await runCli(['unseal'], env, `${newShares[2]}\n`)).stdout).toContain('Unsealed');
      expect((await fetch(`${server.url}/staff/enrol/${link![1]}`)).status).toBe(200);
      expect((await runCli(['audit', 'verify'], env)).code).toBe(0);

      const seal = await runCli(['seal'], env);
      expect(seal.code).toBe(0);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
      expect(statSync(join(dataDir, 'run', 'admin.sock')).mode & 0o777).toBe(0o600);
      expect(statSync(join(dataDir, 'run')).mode & 0o777).toBe(0o700);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(server.output()).not.toContain('Admin@Example.org');
    expect(server.output()).not.toContain(shares[0]);
    // After a graceful stop the lock is released and verify runs against the files directly.
    // In production, with nothing to vouch for the audit key, it does not call the log intact;
    // with the fingerprint keys init printed, it does: the server signed with that very key.
    const witness = join(dataDir, 'witness.jsonl');
    const unpinned = await runCli(['audit', 'verify', '--checkpoints', witness], env);
    expect(unpinned.code, unpinned.stdout).toBe(78);
    expect(unpinned.stderr).toContain('the audit key is not pinned');
    const pinned = { ...env, SANCTUARY_AUDIT_KEY_FINGERPRINT: fingerprint! };
    const offline = await runCli(['audit', 'verify', '--checkpoints', witness], pinned);
    expect(offline.code, offline.stderr).toBe(0);
    expect(offline.stdout).toMatch(
      /intact: \d+ entries, [1-9]\d* signed checkpoints matched \(audit key pinned\)/,
    );
  }, 240_000);

  it('refuses a second process on the same data directory, fast and clearly, without harming the first', async () => {
    // A data directory a server has already started on (the first start is the test above's).
    const dataDir = newDir();
    await seedDataDir(dataDir);
    const env = { SANCTUARY_ENV: 'development', SANCTUARY_DATA_DIR: dataDir, SANCTUARY_LOG_LEVEL: 'warn' };
    const server = await startServerProcess(env);
    try {
      // No wall-clock bound here (a loaded machine may take seconds just to start Node): the lock
      // never waits, so a second process that hung on it would meet this test's own timeout.
      const second = await runCli(['serve'], { ...env, PORT: '0' });
      expect(second.code).toBe(69);
      expect(second.stderr).toContain('in use by another Sanctuary process');
      const migrate = await runCli(['migrate'], env);
      expect(migrate.code).toBe(69);
      // Issue 21: --help does nothing else: `seal --help` used to seal this server, `unseal --help`
      // to wait on standard input (left open here), `serve`/`migrate --help` to open the database.
      const helps = await Promise.all(
        [
          ['seal', '--help'],
          ['unseal', '-h'],
          ['serve', '--help'],
          ['migrate', '-h'],
          ['keys', 'rotate', '--help'],
        ].map((args) => runCli(args, env, null)),
      );
      for (const help of helps) {
        expect(help.code, help.stderr).toBe(0);
        expect(help.stdout).toMatch(/^usage: sanctuary /);
      }
      expect(await (await fetch(`${server.url}/readyz`)).json()).toEqual({ status: 'ready' });
      expect(readFileSync(join(dataDir, 'sanctuary.lock'), 'utf8').trim()).toBe(String(server.child.pid));
    } finally {
      await server.stop();
    }
    // The lock went with the process; the next start works on intact data.
    const again = await startServerProcess(env);
    try {
      expect((await fetch(`${again.url}/readyz`)).status).toBe(200);
    } finally {
      await again.stop();
    }
    // --help with no server touches no file of the data directory, and creates none elsewhere.
    const before = snapshot(dataDir);
    const elsewhere = join(newDir(), 'not-yet');
    const helps = await Promise.all([
      runCli(['demo', '--help'], env),
      runCli(['keys', 'init', '--shares', '3', '--threshold', '2', '-h'], env),
      runCli(['serve', '--data-dir', elsewhere, '--help'], env),
    ]);
    for (const help of helps) expect(help.code, help.stderr).toBe(0);
    expect(snapshot(dataDir)).toEqual(before);
    expect(existsSync(elsewhere)).toBe(false);
  }, 180_000);

  it('takes over a stale lock left by a killed process', async () => {
    const dataDir = newDir();
    await seedDataDir(dataDir);
    const env = { SANCTUARY_ENV: 'development', SANCTUARY_DATA_DIR: dataDir, SANCTUARY_LOG_LEVEL: 'warn' };
    const server = await startServerProcess(env);
    await server.stop('SIGKILL');
    const again = await startServerProcess(env);
    try {
      expect((await fetch(`${again.url}/readyz`)).status).toBe(200);
    } finally {
      await again.stop();
    }
  });

  it('detects a tampered audit log from the command line, naming the entry (exit 2)', async () => {
    const dataDir = newDir();
    const env = { SANCTUARY_ENV: 'development', SANCTUARY_DATA_DIR: dataDir, SANCTUARY_LOG_LEVEL: 'warn' };
    // The data directory exists (issue 21: commands other than serve/keys init/demo/restore create none).
    await seedDataDir(dataDir);
    const { openDatabase } = await import('../src/db/database.ts');
    // --json (issue 21): the result as one JSON document, same exit codes.
    const created = await runCli(
      ['staff', 'create', '--email', 'x@example.org', '--role', 'caseworker', '--json'],
      env,
    );
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toEqual({
      enrolmentUrl: expect.stringMatching(/\/staff\/enrol\/[A-Za-z0-9_-]{43}$/),
      expiresAt: expect.any(String),
    });
    const intact = await runCli(['audit', 'verify', '--json'], env);
    expect(intact.code).toBe(0);
    expect(JSON.parse(intact.stdout)).toMatchObject({ ok: true, entries: expect.any(Number) });
    const database = await openDatabase({ dataDir });
    await disableAuditGuards(database.db);
    await database.db.updateTable('audit_log').set({ actor: 'forged' }).where('seq', '=', 2).execute();
    await database.close();
    const verify = await runCli(['audit', 'verify'], env);
    expect(verify.code).toBe(2);
    expect(verify.stdout).toContain('BROKEN at entry 2');
  }, 180_000);

  // Issue 12, finding 4: without SANCTUARY_ENV the server used to run in development mode,
  // unsealing itself from data/keys/root.key, and a CLI command with no server created that key.
  it('runs as production when SANCTUARY_ENV is missing: sealed, and no command creates a key file', async () => {
    const dataDir = newDir();
    const env = {
      SANCTUARY_DATA_DIR: dataDir,
      SANCTUARY_PUBLIC_URL: 'https://help.example.org',
      SANCTUARY_LOG_LEVEL: 'warn',
    };
    const keyFile = join(dataDir, 'keys', 'root.key');
    // Issue 21: with no data directory (a wrong SANCTUARY_DATA_DIR), a command creates none: it
    // says where it looked and how to point at the server's.
    const nowhere = await runCli(['staff', 'create', '--email', 'a@example.org', '--role', 'admin'], env);
    expect(nowhere.code).toBe(66);
    expect(nowhere.stderr).toContain(`there is no Sanctuary data directory at ${dataDir}`);
    expect(nowhere.stderr).toContain('--data-dir DIR or SANCTUARY_DATA_DIR=DIR');
    expect((await runCli(['demo'], env)).code).not.toBe(0);
    expect(existsSync(join(dataDir, 'pgdata'))).toBe(false);
    expect(existsSync(keyFile)).toBe(false);
    const server = await startServerProcess(env);
    try {
      expect(await (await fetch(`${server.url}/readyz`)).json()).toEqual({ status: 'sealed' });
    } finally {
      expect(await server.stop()).toBe(0);
    }
    // Now the data directory exists; with no server, production commands need one.
    const staff = await runCli(['staff', 'create', '--email', 'a@example.org', '--role', 'admin'], env);
    expect(staff.code).toBe(69);
    expect(staff.stderr).toContain('not running');
    expect((await runCli(['audit', 'checkpoint'], env)).code).toBe(69);
    expect((await runCli(['keys', 'rotate'], env)).code).toBe(69);
    expect(existsSync(keyFile)).toBe(false);
    const { openDatabase } = await import('../src/db/database.ts');
    const database = await openDatabase({ dataDir });
    try {
      expect(await database.db.selectFrom('key_material').selectAll().execute()).toEqual([]);
    } finally {
      await database.close();
    }
    // Development mode next to production-looking settings stops at start-up, saying why.
    const dev = { ...env, SANCTUARY_ENV: 'development', PORT: '0' };
    const withDb = await runCli(['serve'], { ...dev, DATABASE_URL: 'postgres://sanctuary@127.0.0.1:9/none' });
    expect(withDb.code).toBe(78);
    expect(withDb.stderr).toContain('DATABASE_URL is set');
    const exposed = await runCli(['serve'], { ...dev, HOST: '0.0.0.0' });
    expect(exposed.code).toBe(78);
    expect(exposed.stderr).toContain('HOST=0.0.0.0 is not a loopback address');
    const proxied = await runCli(['staff', 'create', '--email', 'a@example.org', '--role', 'admin'], {
      ...dev,
      SANCTUARY_TRUST_PROXY: 'true',
    });
    expect(proxied.code).toBe(78);
    expect(existsSync(keyFile)).toBe(false);
  }, 120_000);

  it('explains bad configuration and bad usage', async () => {
    const bad = await runCli(['migrate'], { PORT: 'eighty', SANCTUARY_DATA_DIR: newDir() });
    expect(bad.code).toBe(78);
    expect(bad.stderr).toContain('PORT must be a number');
    const usage = await runCli(['keys', 'init', '--shares', '1', '--threshold', '3'], {
      SANCTUARY_DATA_DIR: newDir(),
    });
    expect(usage.code).toBe(64);
    const unknown = await runCli(['frobnicate'], {});
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain('unknown command');
  });
});

// Uses totpCode so the import is exercised in both modes (the browser test covers enrolment end to end).
it('computes TOTP codes for enrolment in tests', () => {
  expect(totpCode('JBSWY3DPEHPK3PXP', 0)).toMatch(/^\d{6}$/);
});
