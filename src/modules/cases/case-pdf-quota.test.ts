import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildStaff,
  buildTestApp,
  Client,
  signInClient,
  type TestApp,
  type TestStaff,
} from '../../../test/support/app.ts';
import { staffActor as actor, buildCase, buildTeam } from '../../../test/support/factories.ts';
import { parseConfig } from '../../config/config.ts';
import { decideApproval } from '../case-access/index.ts';
import { downloadBulkExport, exportCaseSummary, requestCaseSummary } from './case-export.service.ts';

/**
 * Issue 12, finding 15, from the attacker's side: single-case PDFs needed no approval, so a
 * lawyer (or a stolen lawyer session) could take out every assigned file one PDF at a time,
 * around the four-eyes rule on bulk exports. Now each staff member has a daily quota
 * (SANCTUARY_PDF_EXPORTS_PER_DAY); beyond it a second person approves each PDF (ADR 0096).
 */
const QUOTA = 2;
let t: TestApp;
let lawyer: TestStaff;
let coord: TestStaff;
let teamId: string;
const refs: string[] = [];

const exportsAudited = async (staffId: string) =>
  t.ctx.database.db
    .selectFrom('audit_log')
    .select(['target', 'reason'])
    .where('action', '=', 'case.export_pdf')
    .where('actor', '=', staffId)
    .orderBy('seq')
    .execute();

beforeAll(async () => {
  t = await buildTestApp({ config: { pdfExportsPerDay: QUOTA } });
  lawyer = await buildStaff(t.ctx, 'lawyer');
  coord = await buildStaff(t.ctx, 'coordinator');
  teamId = await buildTeam(t.ctx, { members: [lawyer.id] });
  for (let i = 0; i < QUOTA + 2; i++)
    refs.push((await buildCase(t.ctx, { teamId, assigneeId: lawyer.id })).ref);
}, 120_000);
afterAll(async () => t.close());

describe('single-case PDFs count against a daily quota', () => {
  it('exports within the quota, each audited; the next one needs approval and exports nothing', async () => {
    for (const ref of refs.slice(0, QUOTA)) {
      const out = await exportCaseSummary(t.ctx, actor(lawyer), ref, 'en');
      expect(out.needsApproval).not.toBe(true);
      expect('pdf' in out && out.pdf.subarray(0, 5).toString()).toBe('%PDF-');
    }
    expect((await exportsAudited(lawyer.id)).map((e) => e.target)).toEqual(
      refs.slice(0, QUOTA).map((r) => `case:${r}`),
    );
    const over = await exportCaseSummary(t.ctx, actor(lawyer), refs[QUOTA], 'en');
    expect(over).toEqual({ ref: refs[QUOTA], needsApproval: true });
    expect(await exportsAudited(lawyer.id)).toHaveLength(QUOTA);
  });

  it('counts from the start of the UTC day: tomorrow the quota is fresh', async () => {
    const tomorrow = new Date(Date.now() + 86_400_000);
    const out = await exportCaseSummary(t.ctx, actor(lawyer), refs[QUOTA], 'en', tomorrow);
    expect(out.needsApproval).not.toBe(true);
  });

  it('over HTTP: the PDF link answers with the case page and a request form, not a PDF', async () => {
    const client = await signInClient(t.app, lawyer);
    const res = await client.get(`/staff/cases/${refs[QUOTA + 1]}/summary.pdf?lang=en`);
    expect(res.statusCode).toBe(303);
    expect(res.headers['content-type'] ?? '').not.toContain('pdf');
    const page = await client.get(String(res.headers.location));
    expect(page.body).toContain('You reached your daily quota of case PDFs');
    expect(page.body).toContain(`/staff/cases/${refs[QUOTA + 1]}/summary.pdf/request`);
    expect(page.body).not.toContain(`/staff/cases/${refs[QUOTA + 1]}/summary.pdf?lang=en`);
    const requested = await client.post(`/staff/cases/${refs[QUOTA + 1]}/summary.pdf/request?lang=en`, {
      _csrf: Client.csrfOf(page.body),
    });
    expect(requested.statusCode).toBe(303);
  });

  it('refuses self-approval; after a second person approves, the requester downloads it once', async () => {
    const approvalId = await requestCaseSummary(t.ctx, actor(lawyer), refs[QUOTA]);
    await expect(downloadBulkExport(t.ctx, actor(lawyer), approvalId, 'en')).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(decideApproval(t.ctx, actor(lawyer), approvalId, 'approve')).rejects.toMatchObject({
      code: 'not_found',
    });
    await decideApproval(t.ctx, actor(coord), approvalId, 'approve');
    const pdf = await downloadBulkExport(t.ctx, actor(lawyer), approvalId, 'en');
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const entries = await exportsAudited(lawyer.id);
    expect(entries.at(-1)).toEqual({
      target: `case:${refs[QUOTA]}`,
      reason: `summary en approved ${approvalId}`,
    });
    await expect(downloadBulkExport(t.ctx, actor(lawyer), approvalId, 'en')).rejects.toMatchObject({
      code: 'not_found',
    });
    // Another staff member cannot download it.
    await expect(downloadBulkExport(t.ctx, actor(coord), approvalId, 'en')).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('refuses a request for a case the requester may not read (404, nothing written)', async () => {
    const other = await buildCase(t.ctx, {});
    await expect(requestCaseSummary(t.ctx, actor(lawyer), other.ref)).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});

describe('SANCTUARY_PDF_EXPORTS_PER_DAY', () => {
  it('defaults to 20 and is validated once, with a message that says how to fix it', () => {
    expect(parseConfig({ SANCTUARY_ENV: 'test' }).pdfExportsPerDay).toBe(20);
    expect(parseConfig({ SANCTUARY_ENV: 'test', SANCTUARY_PDF_EXPORTS_PER_DAY: '0' }).pdfExportsPerDay).toBe(
      0,
    );
    expect(() => parseConfig({ SANCTUARY_ENV: 'test', SANCTUARY_PDF_EXPORTS_PER_DAY: 'lots' })).toThrow(
      /SANCTUARY_PDF_EXPORTS_PER_DAY must be a number of case PDFs per staff member per day/,
    );
    expect(() => parseConfig({ SANCTUARY_ENV: 'test', SANCTUARY_PDF_EXPORTS_PER_DAY: '-1' })).toThrow(
      /must be 0 \(every PDF needs approval\) or more/,
    );
  });
});
