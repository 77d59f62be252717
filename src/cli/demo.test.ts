import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDataDir } from '../../test/support/process.ts';
import { openDatabase } from '../db/database.ts';
import { verifyLedger } from '../modules/ledger/index.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const bin = path.join(repoRoot, 'bin', 'sanctuary.js');

/** The demo runs on the embedded database of its data directory, whatever the test run uses. */
function withoutDatabaseUrl(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { DATABASE_URL: _ignored, ...rest } = env;
  return rest;
}

function sanctuary(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: repoRoot, timeout: 240_000, env: withoutDatabaseUrl({ ...process.env, ...env }) },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('sanctuary demo', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'demo-cli-'));
    // A migrated data directory from the run's template: the demo's point is not the first start
    // (test/cli.test.ts covers that), and building the database from nothing costs about 5 s of CPU.
    await seedDataDir(dir);
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('loads a synthetic organisation once, prints the accounts, and refuses to run twice', async () => {
    const env = { SANCTUARY_ENV: 'development', SANCTUARY_DATA_DIR: dir };
    const first = await sanctuary(['demo', '--cases', '9'], env);
    expect(first.stderr).not.toContain('Error');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('9 cases (invented people only), 6 ledger transfers, 5 referrals');
    expect(first.stdout).toMatch(/coordinator@demo\.invalid\s+coordinator\s+TOTP secret [A-Z2-7]+/);
    // Some cases carry a document that a caseworker filed (encrypted on disk, like any upload).
    const db = await openDatabase({ dataDir: dir });
    try {
      const docs = await db.db
        .selectFrom('intake_attachments')
        .select(['uploaded_by', 'media_type'])
        .execute();
      expect(docs.length).toBeGreaterThan(0);
      expect(docs.every((d) => d.uploaded_by !== null && d.media_type === 'application/pdf')).toBe(true);
      // Each is an evidence item too, hashed at arrival (issue 16).
      const items = await db.db.selectFrom('evidence_items').select('channel').execute();
      expect(items.map((i) => i.channel)).toEqual(docs.map(() => 'staff_upload'));
      // The ledger: funded budget lines, disbursements for some cases, and a chain that verifies.
      const ledger = await verifyLedger(db.db);
      expect(ledger.problem).toBeUndefined();
      expect(ledger).toMatchObject({ ok: true, transfers: 6 });
      // The referral network: partners in each vetting state, referrals in several states.
      const referrals = await db.db.selectFrom('referrals').select('state').execute();
      expect(new Set(referrals.map((r) => r.state))).toEqual(
        new Set(['draft', 'sent', 'in_progress', 'declined', 'completed']),
      );
      const partners = await db.db.selectFrom('partners').select('vetting_status').execute();
      expect(new Set(partners.map((p) => p.vetting_status))).toEqual(
        new Set(['vetted', 'pending', 'flagged']),
      );
      // Family tracing: the mother's request in Russian is proposed for her son's Latin-script case.
      const proposals = await db.db.selectFrom('tracing_proposals').select(['status', 'case_id']).execute();
      expect(proposals).toEqual([{ status: 'proposed', case_id: expect.any(String) }]);
    } finally {
      await db.close();
    }
    const second = await sanctuary(['demo'], env);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('already loaded');
  }, 300_000);

  it('refuses outside development', async () => {
    const res = await sanctuary(['demo'], {
      SANCTUARY_ENV: 'production',
      SANCTUARY_DATA_DIR: dir,
      SANCTUARY_PUBLIC_URL: 'https://example.org',
    });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('development only');
  }, 120_000);
});
