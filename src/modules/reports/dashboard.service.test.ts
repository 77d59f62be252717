import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/support/app.ts';
import { buildPartner, buildTeam, staffActor } from '../../../test/support/factories.ts';
import { seedReportCases } from '../../../test/support/reports.ts';
import type { Actor } from '../../access/index.ts';
import { isAppError } from '../../platform/errors.ts';
import {
  type CountTableView,
  type Dashboard,
  exportDashboardTable,
  getDashboard,
} from './dashboard.service.ts';
import { isSensitive } from '../../platform/disclosure.ts';
import { csvField, tableCsv } from './reports.export.ts';

/**
 * The dashboards on a real database: the figures a coordinator sees, and what an analyst or an
 * admin (who do not hold the cases) can and cannot learn from them, whatever filters they try.
 */
let t: TestApp;
let teamA: string;
let teamB: string;
const coordinator: Actor = staffActor({ id: randomUUID(), role: 'coordinator' });
const analyst: Actor = staffActor({ id: randomUUID(), role: 'analyst' });
const caseworker: Actor = staffActor({ id: randomUUID(), role: 'caseworker' });
const NOW = '2026-12-06';

const table = (d: Dashboard, id: string) => d.tables.find((x) => x.id === id) as CountTableView;
const cell = (d: Dashboard, id: string, key: string) => table(d, id).rows.find((r) => r.key === key)?.value;

beforeAll(async () => {
  t = await buildTestApp();
  teamA = await buildTeam(t.ctx, { name: 'Team A' });
  teamB = await buildTeam(t.ctx, { name: 'Team B' });
  const many = <T>(n: number, seed: T): T[] => Array.from({ length: n }, () => seed);
  await seedReportCases(t.ctx.database.db, [
    // Q3 2026. Team A: 12 conscripts in Georgia, 10 of whom reached safety after 30 days.
    ...many(10, {
      createdOn: '2026-07-06',
      teamId: teamA,
      applicantType: 'conscript' as const,
      country: 'GE',
      history: [
        ['triaged', '2026-07-08'],
        ['in_progress', '2026-07-10'],
        ['safe', '2026-08-05'],
      ] as Array<[string, string]>,
    }),
    ...many(2, {
      createdOn: '2026-07-07',
      teamId: teamA,
      applicantType: 'conscript' as const,
      country: 'GE',
    }),
    // Team B: one officer in Armenia (the person to protect), 11 soldiers in Georgia.
    { createdOn: '2026-09-30', teamId: teamB, applicantType: 'officer', country: 'AM' },
    ...many(11, { createdOn: '2026-08-12', teamId: teamB, applicantType: 'soldier' as const, country: 'GE' }),
    // The day after the quarter: one more officer.
    { createdOn: '2026-10-01', teamId: teamB, applicantType: 'officer', country: 'AM' },
  ]);
});
afterAll(async () => t.close());

describe('the dashboards for a coordinator (who holds the cases)', () => {
  it('shows referrals made in the period by their state now (through the referrals face)', async () => {
    const partner = await buildPartner(t.ctx);
    const [caseId] = await seedReportCases(t.ctx.database.db, [{ createdOn: '2026-01-05' }]);
    const referral = (state: 'sent' | 'accepted', createdAt: string, paused = false) => ({
      id: randomUUID(),
      case_id: caseId as string,
      partner_id: partner,
      state,
      paused,
      created_at: new Date(createdAt),
    });
    await t.ctx.database.db
      .insertInto('referrals')
      .values([
        referral('sent', '2026-07-02T10:00:00Z'),
        referral('sent', '2026-08-02T10:00:00Z'),
        referral('accepted', '2026-09-30T10:00:00Z'),
        referral('sent', '2026-09-01T10:00:00Z', true),
        referral('sent', '2026-10-01T10:00:00Z'),
      ])
      .execute();
    const d = await getDashboard(t.ctx, coordinator, { quarter: '2026-Q3' }, NOW);
    expect(table(d, 'referrals_by_state').rows).toEqual([
      { key: 'accepted', value: 1 },
      { key: 'paused', value: 1 },
      { key: 'sent', value: 2 },
    ]);
  });

  it('shows every figure, small ones included, for any dates', async () => {
    const d = await getDashboard(t.ctx, coordinator, { from: '2026-07-01', to: '2026-09-30' }, NOW);
    expect(d.restricted).toBe(false);
    expect(cell(d, 'applicant_type', 'officer')).toBe(1);
    expect(cell(d, 'applicant_type', 'conscript')).toBe(12);
    expect(table(d, 'applicant_type').total).toBe(24);
    expect(cell(d, 'cases_opened', '2026-07-06')).toBe(12);
    const funnel = table(d, 'funnel');
    expect(funnel.rows.find((r) => r.key === 'safe')).toEqual({ key: 'safe', value: 10, reached: 10 });
    expect(funnel.rows.find((r) => r.key === 'contact')?.reached).toBe(24);
    const safety = d.tables.find((x) => x.id === 'time_to_safety');
    expect(safety?.kind === 'duration' && safety.rows[0]).toEqual({
      key: 'safe',
      n: 10,
      median: 30,
      p90: 30,
    });
    const inState = d.tables.find((x) => x.id === 'time_in_state');
    expect(inState?.kind === 'duration' && inState.rows.find((r) => r.key === 'in_progress')).toEqual({
      key: 'in_progress',
      n: 10,
      median: 26,
      p90: 26,
    });
  });

  it('filters by team', async () => {
    const d = await getDashboard(t.ctx, coordinator, { quarter: '2026-Q3', team: teamB }, NOW);
    expect(cell(d, 'applicant_type', 'officer')).toBe(1);
    expect(cell(d, 'applicant_type', 'conscript')).toBe(0);
    expect(table(d, 'channel').unavailable).toBe(true);
  });
});

describe('the dashboards for an analyst (who does not hold the cases)', () => {
  it('suppresses the officer, and enough besides that the total gives nothing back', async () => {
    const d = await getDashboard(t.ctx, analyst, { quarter: '2026-Q3' }, NOW);
    expect(d.restricted).toBe(true);
    const types = table(d, 'applicant_type');
    expect(cell(d, 'applicant_type', 'officer')).toBeNull();
    for (const r of types.rows) if (r.value !== null) expect(isSensitive(r.value)).toBe(false);
    const hidden = types.rows.filter((r) => r.value === null).length;
    expect(hidden).toBeGreaterThanOrEqual(2);
    const shown = types.rows.reduce((a, r) => a + (r.value ?? 0), 0);
    if (types.total !== null) expect(types.total - shown).toBeGreaterThanOrEqual(10);
  });

  it('differencing a team filter and no filter recovers nothing small', async () => {
    const all = await getDashboard(t.ctx, analyst, { quarter: '2026-Q3' }, NOW);
    for (const team of [teamA, teamB, 'none']) {
      const one = await getDashboard(t.ctx, analyst, { quarter: '2026-Q3', team }, NOW);
      for (const id of ['applicant_type', 'country', 'cases_opened', 'outcome', 'funnel']) {
        const a = table(all, id);
        const b = table(one, id);
        b.rows.forEach((r, j) => {
          const whole = a.rows[j]?.value;
          if (r.value !== null && whole !== null && whole !== undefined) {
            expect(isSensitive(whole - r.value), `${id} ${r.key} team ${team}`).toBe(false);
          }
        });
        if (a.total !== null && b.total !== null) expect(isSensitive(a.total - b.total), id).toBe(false);
      }
    }
  });

  it('a period and that period plus one day give the same quarter, so their difference is zero', async () => {
    const period = await getDashboard(t.ctx, analyst, { from: '2026-07-01', to: '2026-09-30' }, NOW);
    const plusOne = await getDashboard(t.ctx, analyst, { from: '2026-07-01', to: '2026-10-01' }, NOW);
    expect(plusOne.filter).toEqual(period.filter);
    expect(plusOne.tables).toEqual(period.tables);
  });

  it('hides durations of groups smaller than k', async () => {
    const d = await getDashboard(t.ctx, analyst, { quarter: '2026-Q3', team: teamB }, NOW);
    const safety = d.tables.find((x) => x.id === 'time_to_safety');
    expect(
      safety?.kind === 'duration' && safety.rows.every((r) => r.median === null || (r.n ?? 0) >= 10),
    ).toBe(true);
  });
});

describe('refusals and bad input', () => {
  it('does not exist for a caseworker', async () => {
    const error = await getDashboard(t.ctx, caseworker, {}, NOW).catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe('not_found');
  });

  it('has no export of a table that does not exist', async () => {
    const error = await exportDashboardTable(t.ctx, coordinator, 'no_such_table', {}, NOW).catch(
      (e: unknown) => e,
    );
    expect(isAppError(error) && error.code).toBe('not_found');
  });

  it('names the period or team that is wrong', async () => {
    for (const [query, field] of [
      [{ quarter: '2026-Q5' }, 'period'],
      [{ from: '2026-02-30' }, 'period'],
      [{ from: '2026-09-01', to: '2026-08-01' }, 'period'],
      [{ team: randomUUID() }, 'team'],
      [{ team: 'x' }, 'team'],
    ] as const) {
      const error = await getDashboard(t.ctx, coordinator, query, NOW).catch((e: unknown) => e);
      expect(isAppError(error) && error.code, JSON.stringify(query)).toBe('validation_failed');
      expect(isAppError(error) && Object.keys(error.fields ?? {})).toEqual([field]);
    }
  });
});

describe('exports', () => {
  it('writes the table as the page shows it, suppressed cells empty, and audits the export', async () => {
    const { table: exported } = await exportDashboardTable(
      t.ctx,
      analyst,
      'applicant_type',
      { quarter: '2026-Q3' },
      NOW,
    );
    const csv = tableCsv('en', exported);
    expect(csv.split('\r\n')[0]).toBe('"key","category","value"');
    expect(csv).toContain('"officer","officer",\r\n');
    const audit = await t.ctx.database.db
      .selectFrom('audit_log')
      .select(['action', 'target'])
      .where('action', '=', 'reports.export')
      .execute();
    expect(audit).toEqual([{ action: 'reports.export', target: 'report:applicant_type' }]);
  });

  it('neutralises text a spreadsheet would run as a formula', () => {
    expect(csvField('=HYPERLINK("http://x")')).toBe('"\'=HYPERLINK(""http://x"")"');
    for (const start of ['+', '-', '@', '\t', '\r'])
      expect(csvField(`${start}1`).startsWith(`"'${start}`)).toBe(true);
    expect(csvField('GE')).toBe('"GE"');
    expect(csvField(12)).toBe('12');
    expect(csvField(null)).toBe('');
  });
});

describe('restricted teams (ADR 0211)', () => {
  it('shows a coordinator or an analyst outside a restricted team nothing of its cases, in any table', async () => {
    const db = t.ctx.database.db;
    const quarter = { quarter: '2026-Q2' };
    const restrictedTeam = await buildTeam(t.ctx, { name: 'Embassy desk', restricted: true });
    await seedReportCases(
      db,
      Array.from({ length: 12 }, () => ({
        createdOn: '2026-04-07',
        teamId: teamA,
        country: 'GE',
        history: [
          ['triaged', '2026-04-08'],
          ['safe', '2026-05-04'],
        ] as Array<[string, string]>,
      })),
    );
    const readers = [coordinator, analyst];
    const before = await Promise.all(readers.map((a) => getDashboard(t.ctx, a, quarter, NOW)));
    expect(cell(before[0]!, 'channel', 'web_or_partner')).toBe(12);
    // Two high-assurance contacts in the same quarter: one reached safety, one is being triaged.
    const ids = await seedReportCases(db, [
      {
        createdOn: '2026-04-08',
        teamId: restrictedTeam,
        applicantType: 'officer',
        country: 'AM',
        history: [
          ['triaged', '2026-04-09'],
          ['in_progress', '2026-04-20'],
          ['safe', '2026-05-20'],
        ],
      },
      {
        createdOn: '2026-06-02',
        teamId: restrictedTeam,
        applicantType: 'officer',
        history: [['triaged', '2026-06-03']],
      },
    ]);
    await db.updateTable('cases').set({ restricted: true }).where('id', 'in', ids).execute();
    // The safe one was referred to a host and had a pathway check saved.
    await db
      .insertInto('referrals')
      .values({
        id: randomUUID(),
        case_id: ids[0]!,
        partner_id: await buildPartner(t.ctx),
        state: 'accepted',
        paused: false,
        created_at: new Date('2026-04-21T10:00:00Z'),
      })
      .execute();
    await db
      .insertInto('case_pathway_checks')
      .values({
        id: randomUUID(),
        case_id: ids[0]!,
        author_id: null,
        content_version: 'a'.repeat(64),
        evaluated_on: '2026-04-22',
        payload_enc: Buffer.from('sealed'),
        at: new Date('2026-04-22T10:00:00Z'),
      })
      .execute();
    const after = await Promise.all(readers.map((a) => getDashboard(t.ctx, a, quarter, NOW)));
    expect(after).toEqual(before);
    // Nor does naming the team in the filter show its row.
    await expect(
      getDashboard(t.ctx, coordinator, { ...quarter, team: restrictedTeam }, NOW),
    ).rejects.toMatchObject({ code: 'validation_failed' });
  });
});
