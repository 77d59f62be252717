import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildStaff, buildTestApp, type TestApp } from '../../../test/support/app.ts';
import { buildStaffActor } from '../../../test/support/evidence.ts';
import { buildCase, buildTeam, staffActor } from '../../../test/support/factories.ts';
import { seedReportCases } from '../../../test/support/reports.ts';
import type { Actor, StaffActor } from '../../access/index.ts';
import { run as runCli } from '../../cli/reports.ts';
import { isAppError } from '../../platform/errors.ts';
import { decideApproval } from '../case-access/index.ts';
import { countPathwayDestinations, savePathwaysCheck } from '../case-pathways/index.ts';
import { getKnowledgeBase } from '../pathways/index.ts';
import { setBudget } from './budget.service.ts';
import { type RandomSource, seededRandom } from './dp-sampler.ts';
import { buildReleaseBundle, verifyReleaseBundle } from './release-bundle.tsx';
import { findBudget } from './reports.repository.ts';
import { DESTINATION_REGIONS, regionOf } from './reports.regions.ts';
import { countByRegion, fitToTotal, listReleases, makeRelease } from './statistics.service.ts';

/** Public releases on a real database: parameters, the budget ledger, and no fresh draw for free. */
let t: TestApp;
const admin: Actor = staffActor({ id: randomUUID(), role: 'admin' });
const NOW = '2026-12-06';
/** A source that fails the test if a draw is made. */
const noDraws: RandomSource = {
  below() {
    throw new Error('a fresh draw was made');
  },
};

const releaseCount = async () =>
  Number(
    (
      await t.ctx.database.db
        .selectFrom('report_releases')
        .select((e) => e.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

beforeAll(async () => {
  t = await buildTestApp();
  await seedReportCases(
    t.ctx.database.db,
    Array.from({ length: 40 }, (_, i) => ({
      createdOn: `2026-0${7 + (i % 3)}-1${i % 10}`,
      applicantType: i % 4 === 0 ? ('officer' as const) : ('soldier' as const),
      history: i % 2 === 0 ? ([['safe', '2026-09-20']] as Array<[string, string]>) : [],
    })),
  );
});
afterAll(async () => t.close());

describe('public releases', () => {
  it('publishes noisy counts with their parameters, consistent and non-negative', async () => {
    const { release, fresh } = await makeRelease(
      t.ctx,
      admin,
      { quarter: '2026-Q3', rho: '1/2' },
      { random: seededRandom('r1'), now: NOW },
    );
    expect(fresh).toBe(true);
    expect(release).toMatchObject({
      rho: '1/2',
      sigma2: '5/1',
      mechanism: 'discrete_gaussian',
      sensitivitySquared: 5,
    });
    expect(release.period).toEqual({ from: '2026-07-01', to: '2026-09-30' });
    const { total, month, applicant_type, outcome, destination_region } = release.tables;
    expect(Object.keys(month)).toEqual(['2026-07', '2026-08', '2026-09']);
    expect(Object.keys(destination_region ?? {})).toEqual([...DESTINATION_REGIONS]);
    for (const table of [month, applicant_type, outcome, destination_region ?? {}]) {
      const values = Object.values(table);
      expect(values.every((v) => Number.isInteger(v) && v >= 0)).toBe(true);
      expect(values.reduce((a, b) => a + b, 0)).toBe(total);
    }
    // Noise with σ = 2 keeps the total near the truth (40), yet it is a draw, not the count.
    expect(Math.abs(total - 40)).toBeLessThan(20);
  });

  it('answers the same query with the stored release and never draws again', async () => {
    const first = (await listReleases(t.ctx, admin)).releases[0];
    const again = await makeRelease(
      t.ctx,
      admin,
      { quarter: '2026-Q3', rho: '1/10' },
      { random: noDraws, now: NOW },
    );
    expect(again.fresh).toBe(false);
    expect(again.release).toEqual(first);
    expect((await listReleases(t.ctx, admin)).budget).toEqual({
      dataset: 'cases',
      total: '1/1',
      spent: '1/2',
    });
  });

  it('spends the budget exactly to its total, then refuses and writes nothing', async () => {
    await makeRelease(
      t.ctx,
      admin,
      { quarter: '2026-Q2', rho: '1/2' },
      { random: seededRandom('r2'), now: NOW },
    );
    expect((await listReleases(t.ctx, admin)).budget.spent).toBe('1/1');
    const before = await releaseCount();
    const audits = await t.ctx.database.db.selectFrom('audit_log').select('seq').orderBy('seq').execute();
    const error = await makeRelease(
      t.ctx,
      admin,
      { quarter: '2026-Q1', rho: '1/1000' },
      { random: noDraws, now: NOW },
    ).catch((e: unknown) => e);
    expect(isAppError(error) && error.fields).toEqual({ rho: 'reports.releases.error.budget' });
    expect(await releaseCount()).toBe(before);
    expect(await t.ctx.database.db.selectFrom('audit_log').select('seq').orderBy('seq').execute()).toEqual(
      audits,
    );
    const { releases } = await listReleases(t.ctx, admin);
    expect(releases.map((r) => [r.period.from, r.rho])).toEqual([
      ['2026-04-01', '1/2'],
      ['2026-07-01', '1/2'],
    ]);
  });

  it('refuses bad parameters, a quarter not yet ended, and roles that may not publish', async () => {
    for (const [input, field] of [
      [{ quarter: '2026-Q3', rho: '0' }, 'rho'],
      [{ quarter: '2026-Q3', rho: '3/2' }, 'rho'],
      [{ quarter: '2026-Q3', rho: '0.5' }, 'rho'],
      [{ quarter: '2026-Q4', rho: '1/10' }, 'quarter'],
      [{ quarter: 'Q3', rho: '1/10' }, 'quarter'],
    ] as const) {
      const error = await makeRelease(t.ctx, admin, input, { random: noDraws, now: NOW }).catch(
        (e: unknown) => e,
      );
      expect(isAppError(error) && Object.keys(error.fields ?? {}), JSON.stringify(input)).toEqual([field]);
    }
    const analyst = staffActor({ id: randomUUID(), role: 'analyst' });
    const error = await makeRelease(
      t.ctx,
      analyst,
      { quarter: '2025-Q1', rho: '1/10' },
      { random: noDraws, now: NOW },
    ).catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe('not_found');
  });
});

describe('destination regions', () => {
  it('maps the knowledge base\'s destinations to fixed regions, and unknown codes to "other"', () => {
    expect(['KZ', 'KG', 'UZ'].map(regionOf)).toEqual(['central_asia', 'central_asia', 'central_asia']);
    expect(['GE', 'AM', 'TR', 'IL', 'AE'].map(regionOf).every((r) => r === 'western_asia')).toBe(true);
    expect([regionOf('MN'), regionOf('EU'), regionOf('rs'), regionOf('DE')]).toEqual([
      'other_asia',
      'european_union',
      'southern_europe',
      'western_europe',
    ]);
    expect([regionOf('US'), regionOf('AR'), regionOf('ZZ'), regionOf('')]).toEqual([
      'americas',
      'americas',
      'other',
      'other',
    ]);
  });

  it('counts each case of the weeks once, under its chosen pathway\'s region or "none"', async () => {
    // Three cases opened today, two with a saved check (Kazakhstan and Armenia profiles); every
    // other case of the database has no check and is counted as "none".
    const staff = await buildStaff(t.ctx, 'caseworker');
    const actor: StaffActor = {
      kind: 'staff',
      id: staff.id,
      role: 'caseworker',
      sessionHash: Buffer.alloc(32),
    };
    const team = await buildTeam(t.ctx, { members: [staff.id] });
    const version = (await getKnowledgeBase()).version;
    const profile = { citizenship: 'RU', applicantType: 'conscript', documents: 'internal_passport' };
    const chosen: string[] = [];
    for (const location of ['KZ', 'AM', null]) {
      const c = await buildCase(t.ctx, { teamId: team });
      if (location === null) continue;
      const saved = await savePathwaysCheck(
        t.ctx,
        actor,
        c.ref,
        { ...profile, location, contentVersion: version },
        'en',
      );
      expect(saved).toBeDefined();
    }
    const db = t.ctx.database.db;
    const all = { from: '2000-01-01', to: '2100-01-01' };
    const destinations = await countPathwayDestinations(t.ctx, db, { from: '2000-01-03', to: '2100-01-04' });
    for (const c of destinations)
      for (let i = 0; i < c.count; i++) chosen.push(regionOf(c.key.split(' · ')[0] ?? ''));
    expect(chosen.length).toBe(2);
    const cases = Number(
      (
        await db
          .selectFrom('cases')
          .select((e) => e.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
    const expected = new Map<string, number>([['none', cases - 2]]);
    for (const r of chosen) expected.set(r, (expected.get(r) ?? 0) + 1);
    const counted = new Map<string, number>();
    for (const r of await countByRegion(t.ctx, db, all))
      counted.set(r.key, (counted.get(r.key) ?? 0) + r.count);
    expect(counted).toEqual(expected);
  });
});

describe('post-processing to a consistent total', () => {
  it('clips negatives and adds up to the total by largest remainders', () => {
    expect(fitToTotal([5n, -3n, 5n], 11n)).toEqual([6n, 0n, 5n]);
    expect(fitToTotal([-1n, -2n], 3n)).toEqual([2n, 1n]);
    expect(fitToTotal([10n, 20n, 30n], 6n)).toEqual([1n, 2n, 3n]);
    expect(fitToTotal([1n, 1n], 0n)).toEqual([0n, 0n]);
  });
});

describe('the public release bundle', () => {
  it('is signed, self-contained, and every change to it is caught', async () => {
    const release = (await listReleases(t.ctx, admin)).releases[0];
    const keyring = t.ctx.vault.requireKeyring();
    const files = await buildReleaseBundle(keyring, release!, 'uk');
    const html = files.get('index.html')!.toString();
    expect(html).toContain('<svg role="img"');
    expect(html).toContain(`ρ = ${release!.rho}`);
    const ok = verifyReleaseBundle(files);
    expect(ok.ok).toBe(true);
    const key = ok.ok ? ok.publicKey : '';
    expect(verifyReleaseBundle(files, key).ok).toBe(true);
    const tampered = (name: string, change: (b: Buffer) => Buffer) => {
      const copy = new Map(files);
      copy.set(name, change(copy.get(name)!));
      return verifyReleaseBundle(copy, key);
    };
    // A changed count, a changed manifest, an extra file, a page that loads from outside.
    expect(
      tampered('data/month.csv', (b) => Buffer.from(b.toString().replace(/,(\d+)\r\n/, ',9$1\r\n'))),
    ).toEqual({
      ok: false,
      problem: 'data/month.csv was changed',
    });
    expect(
      tampered('manifest.json', (b) => Buffer.from(b.toString().replace('"format"', '"format" '))).ok,
    ).toBe(false);
    expect(verifyReleaseBundle(new Map([...files, ['extra.js', Buffer.from('x')]]), key)).toEqual({
      ok: false,
      problem: 'extra.js is not in the manifest',
    });
    expect(verifyReleaseBundle(files, 'ab'.repeat(32))).toEqual({
      ok: false,
      problem: 'signed by another key than the one expected',
    });
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('`sanctuary reports verify` accepts the downloaded tar and its unpacked folder, and names a change', async () => {
    const release = (await listReleases(t.ctx, admin)).releases[0];
    const files = await buildReleaseBundle(t.ctx.vault.requireKeyring(), release!, 'en');
    const key = JSON.parse(files.get('manifest.json')!.toString()).publicKey as string;
    const dir = mkdtempSync(join(tmpdir(), 'sanctuary-bundle-'));
    try {
      const pack = tar.pack();
      for (const [name, data] of files) {
        mkdirSync(dirname(join(dir, 'copy', name)), { recursive: true });
        writeFileSync(join(dir, 'copy', name), data);
        pack.entry({ name: `sanctuary-statistics-x/${name}`, size: data.length }, data);
      }
      pack.finalize();
      const chunks: Buffer[] = [];
      for await (const c of pack) chunks.push(c as Buffer);
      writeFileSync(join(dir, 'bundle.tar'), Buffer.concat(chunks));
      const verify = (bundle: string, publicKey: string) =>
        runCli([], {
          path: ['reports', 'verify'],
          values: { 'public-key': publicKey, json: true },
          positionals: [bundle],
        });
      const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      try {
        expect(await verify(join(dir, 'bundle.tar'), key)).toBe(0);
        expect(await verify(join(dir, 'copy'), key)).toBe(0);
        expect(await verify(join(dir, 'copy'), 'ab'.repeat(32))).toBe(2);
        writeFileSync(join(dir, 'copy', 'data/month.csv'), 'key,category,count\r\n2026-07,2026-07,1\r\n');
        expect(await verify(join(dir, 'copy'), key)).toBe(2);
        expect(String(out.mock.calls.at(-1)?.[0])).toContain('data/month.csv');
        expect(await verify(join(dir, 'missing.tar'), key)).toBe(66);
      } finally {
        out.mockRestore();
        err.mockRestore();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the privacy budget (two-person to raise)', () => {
  const total = async () => (await findBudget(t.ctx.database.db, 'cases'))?.total_rho;
  const audits = async () =>
    (
      await t.ctx.database.db
        .selectFrom('audit_log')
        .select(['actor', 'reason'])
        .where('action', '=', 'reports.budget')
        .orderBy('seq')
        .execute()
    ).map((r) => `${r.actor} ${r.reason}`);

  it('lowers at once; raising is only a request until a second admin approves it', async () => {
    const first = await buildStaffActor(t.ctx, 'admin');
    const second = await buildStaffActor(t.ctx, 'admin');
    const before = await total();
    expect(await setBudget(t.ctx, first, { dataset: 'cases', total: '1/3' })).toMatchObject({
      outcome: 'applied',
      from: before,
      to: '1/3',
    });
    expect(await total()).toBe('1/3');
    const raise = await setBudget(t.ctx, first, { dataset: 'cases', total: '3/1' });
    expect(raise.outcome).toEqual({ requested: expect.any(String) });
    const id = (raise.outcome as { requested: string }).requested;
    expect(await total()).toBe('1/3');
    // The requester may not approve it; a second admin does.
    await expect(decideApproval(t.ctx, first, id, 'approve')).rejects.toBeDefined();
    expect(await total()).toBe('1/3');
    await decideApproval(t.ctx, second, id, 'approve');
    expect(await total()).toBe('3/1');
    expect((await audits()).slice(-2)).toEqual([
      `${first.id} rho ${before} -> 1/3; set`,
      `${first.id} rho 1/3 -> 3/1; approval ${id}, approved by ${second.id}`,
    ]);
  });

  it('a request approved after the total changed decides nothing', async () => {
    const first = await buildStaffActor(t.ctx, 'admin');
    const second = await buildStaffActor(t.ctx, 'admin');
    const raise = await setBudget(t.ctx, first, { dataset: 'cases', total: '5/1' });
    await setBudget(t.ctx, second, { dataset: 'cases', total: '2/1' });
    const id = (raise.outcome as { requested: string }).requested;
    await expect(decideApproval(t.ctx, second, id, 'approve')).rejects.toMatchObject({ code: 'conflict' });
    expect(await total()).toBe('2/1');
  });

  it('the operator CLI sets it at once; bad totals and other roles change nothing', async () => {
    expect(
      (await setBudget(t.ctx, { kind: 'cli', id: 'cli' }, { dataset: 'cases', total: '4/1' })).outcome,
    ).toBe('applied');
    const n = (await audits()).length;
    for (const bad of ['0/1', '11/1', '-1/2', 'x', '1/0'])
      await expect(setBudget(t.ctx, admin, { dataset: 'cases', total: bad })).rejects.toMatchObject({
        code: 'validation_failed',
      });
    const analyst = staffActor({ id: randomUUID(), role: 'analyst' });
    await expect(setBudget(t.ctx, analyst, { dataset: 'cases', total: '1/1' })).rejects.toBeDefined();
    expect(await total()).toBe('4/1');
    expect((await audits()).length).toBe(n);
  });
});
