import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../bench/support/pg.ts';
import { seedDataDir } from '../../../test/support/process.ts';
import { buildApp } from '../../app.ts';
import { parseConfig } from '../../config/config.ts';
import { decryptFieldText } from '../../crypto/index.ts';
import { createLogger } from '../../platform/logging.ts';
import { openSubjectKey } from '../keys/index.ts';
import { issuePartnerToken } from './channels/partner-api/partner.service.ts';

/**
 * Killed mid-load: the real server (`node bin/sanctuary.js serve`, embedded database) is
 * SIGKILLed while a client submits through the partner API with idempotency keys and
 * retries. After a restart every acknowledged submission is present once and decrypts,
 * every retried one exists exactly once, and no partial file or plaintext is left.
 */
function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

describe('intake survives SIGKILL mid-load', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sanctuary-kill-'));
  const logs: string[] = [];
  let server: ChildProcess | undefined;
  afterAll(() => {
    if (server?.exitCode === null) server.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  const env = {
    ...process.env,
    SANCTUARY_ENV: 'development',
    SANCTUARY_DATA_DIR: dataDir,
    SANCTUARY_LOG_LEVEL: 'info',
    DATABASE_URL: undefined,
  } as Record<string, string | undefined>;
  delete env.DATABASE_URL;

  async function start(port: number): Promise<ChildProcess> {
    const child = spawn(process.execPath, ['bin/sanctuary.js', 'serve'], {
      env: { ...env, PORT: String(port), HOST: '127.0.0.1' } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        logs.push(d.toString());
        if (d.toString().includes('listening')) resolve();
      });
      child.once('exit', (code) =>
        reject(new Error(`server exited early (${code}): ${logs.join('').slice(-2000)}`)),
      );
    });
    return child;
  }

  it('keeps every acknowledged submission, once, and nothing half-written', async () => {
    const config = parseConfig(env);
    // The data directory as a first start leaves it (migrated), from the run's template.
    await seedDataDir(dataDir);
    const setup = await buildApp(config, { logger: createLogger('silent') });
    const { token } = await issuePartnerToken(
      setup.sanctuary,
      { kind: 'cli', id: 'cli' },
      { label: 'kill test' },
    );
    await setup.close();

    const port = await freePort();
    server = await start(port);
    const base = `http://127.0.0.1:${port}`;
    const sent = new Map<string, string>(); // idempotency key -> story
    const acked = new Map<string, string>(); // key -> caseRef
    const post = async (key: string) => {
      const res = await fetch(`${base}/api/v1/submissions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'idempotency-key': key,
        },
        body: JSON.stringify({ story: sent.get(key), needs: ['leave'] }),
      });
      if (res.status !== 201) throw new Error(`status ${res.status}`);
      return ((await res.json()) as { caseRef: string }).caseRef;
    };
    let killed = false;
    const workers = Array.from({ length: 8 }, async () => {
      while (!killed) {
        const key = `kill-${randomBytes(8).toString('hex')}`;
        sent.set(key, `kill-test story ${key}`);
        try {
          acked.set(key, await post(key));
        } catch {
          return; // the server died under us: this key is retried after the restart
        }
      }
    });
    const deadline = Date.now() + 60_000;
    while (acked.size < 60) {
      if (Date.now() > deadline)
        throw new Error(`only ${acked.size} acknowledged in 60 s: ${logs.join('').slice(-1000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const exited = new Promise((r) => server!.once('exit', r));
    server.kill('SIGKILL');
    killed = true;
    await Promise.all(workers);
    await exited;
    const ackedBeforeKill = new Map(acked);

    // Restart; retry every key (acknowledged ones must replay the same case).
    server = await start(port);
    for (const key of sent.keys()) {
      for (let attempt = 0; ; attempt += 1) {
        try {
          const ref = await post(key);
          if (ackedBeforeKill.has(key)) expect(ref).toBe(ackedBeforeKill.get(key));
          acked.set(key, ref);
          break;
        } catch (error) {
          if (attempt > 20) throw error;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
    const stopped = new Promise((r) => server!.once('exit', r));
    server.kill('SIGTERM');
    await stopped;

    const app = await buildApp(config, { logger: createLogger('silent') });
    try {
      const db = app.sanctuary.database.db;
      const rows = await db.selectFrom('cases').select(['id', 'ref', 'story_enc']).execute();
      const idem = await db.selectFrom('intake_idempotency').select(['case_id']).execute();
      expect(rows.length).toBe(sent.size); // none lost, none duplicated
      expect(idem.length).toBe(sent.size);
      const byRef = new Map(rows.map((r) => [r.ref, r]));
      for (const [key, ref] of acked) {
        const row = byRef.get(ref);
        expect(row, `acknowledged ${key}`).toBeDefined();
        const dataKey = await openSubjectKey(db, app.sanctuary.vault, `case:${row!.id}`);
        try {
          const story = decryptFieldText(dataKey, Buffer.from(row!.story_enc!), {
            table: 'cases',
            column: 'story',
            rowId: row!.id,
          });
          expect(story).toBe(sent.get(key));
        } finally {
          dataKey.dispose();
        }
      }
    } finally {
      await app.close();
    }
    // No partial files, and no plaintext story anywhere in the data directory or the logs.
    const files = walk(dataDir);
    expect(files.filter((f) => f.includes(`${join('blobs', 'tmp')}/`) || f.endsWith('.part'))).toEqual([]);
    const marker = Buffer.from('kill-test story');
    for (const f of files) expect(readFileSync(f).includes(marker), f).toBe(false);
    expect(logs.join('')).not.toContain('kill-test story');
    process.stdout.write(
      `kill test: ${ackedBeforeKill.size} acknowledged before SIGKILL, ${sent.size - ackedBeforeKill.size} in flight and retried, ${sent.size} cases after restart\n`,
    );
  }, 180_000);
});
