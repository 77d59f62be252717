import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type Actor, requireAllowed, type StaffActor } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { decryptFieldText, encryptField } from '../../crypto/index.ts';
import { type Db, toBuffer } from '../../db/database.ts';
import { AppError } from '../../platform/errors.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import { countAuditActionsByActor, recordAudit } from '../audit/index.ts';
import {
  authoriseCase,
  canRequestBulkExport,
  findApproval,
  findCaseById,
  insertApproval,
  setApprovalStatus,
  uuidSchema,
} from '../case-access/index.ts';
import { withSubjectKey } from '../keys/index.ts';
import { caseAnswerLines } from './case-extensions.ts';
import { getCaseFile } from './case-file.service.ts';
import { today } from './case-helpers.ts';
import { isCaseStatus } from './case-workflow.ts';
import { casesMessages as m } from './cases.messages.ts';
import { lockPdfExports } from './cases.repository.ts';
import { bulkExportFormSchema, type PersonDetails } from './cases.schemas.ts';

/**
 * Case summaries for lawyers (asylum and parole files) as PDF, in the staff member's
 * language. The font is DejaVu Sans from the `dejavu-fonts-ttf` npm package (Cyrillic and
 * Ukrainian letters; see docs/adr/0055-case-summary-pdf.md), embedded and subset by pdfkit.
 * The PDF's metadata carries only the case reference. Every export is audited; a bulk
 * export needs a second approver first.
 */
const require = createRequire(import.meta.url);
const FONT_DIR = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
const FONT_REGULAR = join(FONT_DIR, 'DejaVuSans.ttf');
const FONT_BOLD = join(FONT_DIR, 'DejaVuSans-Bold.ttf');

export interface SummaryData {
  ref: string;
  status: string;
  person: PersonDetails;
  story: string;
  /** The intake answers as "question: answer" lines (the organisation's own through their labels). */
  answers: ReadonlyArray<readonly [string, string]>;
  applicantMessages: Array<{ on: string; body: string }>;
  /** Files on the case (names and days only; the files themselves are not embedded). */
  files: Array<{ name: string; on: string }>;
}

function staffOnly(actor: Actor): StaffActor {
  if (actor.kind !== 'staff') throw new AppError('not_found', 'staff only');
  return actor;
}

function writeSummary(doc: PDFKit.PDFDocument, data: SummaryData, locale: Locale): void {
  const heading = (text: string) => {
    doc.moveDown(0.8).font('bold').fontSize(13).text(text).font('regular').fontSize(11).moveDown(0.2);
  };
  const line = (label: string, value: string | undefined) => {
    if (value !== undefined && value !== '') doc.text(`${label}: ${value}`);
  };
  doc
    .font('bold')
    .fontSize(18)
    .text(`${m(locale, 'cases.pdf.title')} ${data.ref}`);
  doc
    .font('regular')
    .fontSize(9)
    .fillColor('#444')
    .text(m(locale, 'cases.pdf.generated', { date: today() }));
  doc.fillColor('#000').fontSize(11);
  const status = isCaseStatus(data.status) ? m(locale, `cases.status.${data.status}`) : data.status;
  line(m(locale, 'cases.pdf.status'), status);

  heading(m(locale, 'cases.pdf.person'));
  const p = data.person;
  line(m(locale, 'cases.person.familyName'), p.familyName);
  line(m(locale, 'cases.person.givenName'), p.givenName);
  line(m(locale, 'cases.person.patronymic'), p.patronymic);
  line(m(locale, 'cases.person.familyNameLatin'), p.familyNameLatin);
  line(m(locale, 'cases.person.givenNameLatin'), p.givenNameLatin);
  line(m(locale, 'cases.person.birthDate').replace(/ \(.*\)$/, ''), p.birthDate);
  line(m(locale, 'cases.person.phone'), p.phone);
  line(m(locale, 'cases.person.location'), p.location);

  heading(m(locale, 'cases.pdf.documents'));
  if (p.documents.length === 0) doc.text(m(locale, 'cases.pdf.none'));
  for (const d of p.documents) doc.text(`• ${d.type === '' ? '' : `${d.type}: `}${d.number}`);

  heading(m(locale, 'cases.pdf.files'));
  if (data.files.length === 0) doc.text(m(locale, 'cases.pdf.none'));
  for (const f of data.files) doc.text(`• ${f.on}: ${f.name}`);

  heading(m(locale, 'cases.pdf.family'));
  if (p.family.length === 0) doc.text(m(locale, 'cases.pdf.none'));
  for (const f of p.family) doc.text(`• ${f.relation === '' ? '' : `${f.relation}: `}${f.name}`);

  heading(m(locale, 'cases.pdf.story'));
  doc.text(data.story === '' ? m(locale, 'cases.pdf.none') : data.story);
  for (const msg of data.applicantMessages) {
    doc.moveDown(0.3).font('bold').text(msg.on).font('regular').text(msg.body);
  }

  if (data.answers.length > 0) {
    heading(m(locale, 'cases.pdf.answers'));
    for (const [q, a] of data.answers) doc.text(`${q}: ${a}`);
  }
}

/** Renders one or more summaries into one PDF, one case per page group. */
export async function renderSummaryPdf(items: readonly SummaryData[], locale: Locale): Promise<Buffer> {
  // Loaded on first use (pdfkit costs about 0.15 s of start-up in every process).
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({
    size: 'A4',
    margin: 56,
    info: {
      Title:
        items.length === 1
          ? `${m(locale, 'cases.pdf.title')} ${items[0]!.ref}`
          : m(locale, 'cases.pdf.title'),
      Producer: 'Sanctuary',
      Creator: 'Sanctuary',
    },
    lang: locale,
  });
  doc.registerFont('regular', FONT_REGULAR);
  doc.registerFont('bold', FONT_BOLD);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  items.forEach((item, i) => {
    if (i > 0) doc.addPage();
    writeSummary(doc, item, locale);
  });
  doc.end();
  return done;
}

async function summaryData(ctx: AppContext, actor: Actor, ref: string, locale: Locale): Promise<SummaryData> {
  const file = await getCaseFile(ctx, actor, ref);
  if (file.content === null) throw new AppError('not_found', 'no content access');
  const applicantMessages = file.content.timeline.flatMap((t) =>
    t.kind === 'message' && t.direction === 'in' ? [{ on: t.on, body: t.body }] : [],
  );
  return {
    ref: file.ref,
    status: file.status,
    person: file.content.person,
    story: file.content.story,
    answers: caseAnswerLines(ctx, locale, file.content.answers),
    applicantMessages,
    files: file.content.documents.map((d) => ({ name: d.name, on: d.on })),
  };
}

/** The start of the UTC day of `now`: PDF quotas count from there. */
function startOfDay(now: Date): Date {
  return new Date(`${today(now)}T00:00:00Z`);
}

/**
 * One case as a PDF summary. Needs content access; audited as an export. Each staff member
 * may export `config.pdfExportsPerDay` of these per UTC day; beyond that the answer is
 * `{ needsApproval: true }` and nothing is exported: a second person must approve a request
 * (`requestCaseSummary`), as for bulk exports (issue 12, finding 15; ADR 0096). The quota is
 * counted from the audit log inside a per-person lock, together with the audit entry.
 */
export async function exportCaseSummary(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
  locale: Locale,
  now = new Date(),
): Promise<{ ref: string; pdf: Buffer; needsApproval?: false } | { ref: string; needsApproval: true }> {
  const db = ctx.database.db;
  const staff = staffOnly(actor);
  const auth = await authoriseCase(db, actor, ref, 'content');
  const quota = ctx.config.pdfExportsPerDay;
  // A cheap first look, so that an export over the quota decrypts nothing.
  if (await pdfQuotaReached(ctx, staff, now)) return { ref: auth.row.ref, needsApproval: true };
  const data = await summaryData(ctx, actor, auth.row.ref, locale);
  const pdf = await renderSummaryPdf([data], locale);
  const allowed = await db.transaction().execute(async (trx) => {
    // Counted again under the lock with the audit entry: two exports at once cannot both be the last.
    await lockPdfExports(trx, staff.id);
    if ((await countPdfExports(trx, staff.id, now)) >= quota) return false;
    await recordAudit(trx, {
      actor: staff.id,
      action: 'case.export_pdf',
      target: `case:${auth.row.ref}`,
      reason: `summary ${locale}${auth.viaBreakGlass ? ' break-glass' : ''}`,
    });
    return true;
  });
  return allowed ? { ref: auth.row.ref, pdf } : { ref: auth.row.ref, needsApproval: true };
}

/** Whether the staff member has used up today's case PDFs (the case page then offers a request). */
export async function pdfQuotaReached(ctx: AppContext, actor: Actor, now = new Date()): Promise<boolean> {
  const staff = staffOnly(actor);
  return (await countPdfExports(ctx.database.db, staff.id, now)) >= ctx.config.pdfExportsPerDay;
}

/** A staff member's single-case PDFs since the start of `now`'s UTC day (their quota use). */
function countPdfExports(db: Db, staffId: string, now: Date): Promise<number> {
  return countAuditActionsByActor(db, staffId, 'case.export_pdf', startOfDay(now));
}

/**
 * Asks a second person to approve one more case PDF beyond the daily quota (ADR 0096). The
 * requester must be able to read the case now (404 otherwise) and downloads it once after
 * approval, from the approvals page, if they can still read it then.
 */
export async function requestCaseSummary(ctx: AppContext, actor: Actor, ref: unknown): Promise<string> {
  const staff = staffOnly(actor);
  const id = randomUUID();
  await ctx.database.db.transaction().execute(async (trx) => {
    const auth = await authoriseCase(trx, actor, ref, 'content');
    await insertApproval(trx, {
      id,
      kind: 'case_pdf',
      case_id: auth.row.id,
      requested_by: staff.id,
      expected_version: null,
      payload_enc: null,
    });
    await recordAudit(trx, {
      actor: staff.id,
      action: 'case.export_pdf_request',
      target: `case:${auth.row.ref}`,
      reason: `approval ${id}`,
    });
  });
  return id;
}

const payloadBinding = (id: string) => ({ table: 'case_approvals', column: 'payload', rowId: id });

/**
 * Asks for a bulk export of up to 100 cases. Nothing is exported until a second person
 * approves; the list of references is sealed with the requester's own data key.
 */
export async function requestBulkExport(ctx: AppContext, actor: Actor, input: unknown): Promise<string> {
  requireAllowed(canRequestBulkExport(actor), 'bulk export');
  const staff = staffOnly(actor);
  const parsed = bulkExportFormSchema.safeParse(input);
  if (!parsed.success) {
    throw new AppError('validation_failed', 'invalid bulk export', {
      fields: Object.fromEntries(
        parsed.error.issues.map((i) => [String(i.path[0] ?? 'refs'), 'field.invalid']),
      ),
    });
  }
  const id = randomUUID();
  await ctx.database.db.transaction().execute(async (trx) => {
    // Only cases the requester may read: one that is not theirs answers 404 like a missing one.
    for (const ref of parsed.data.refs) await authoriseCase(trx, actor, ref, 'content');
    await withSubjectKey(
      ctx,
      `staff:${staff.id}`,
      (key) =>
        insertApproval(trx, {
          id,
          kind: 'bulk_export',
          case_id: null,
          requested_by: staff.id,
          expected_version: null,
          // The requester's reason is free text: it travels encrypted with the refs, never in the
          // audit log (issue 12, finding 8).
          payload_enc: encryptField(
            key,
            JSON.stringify({ refs: parsed.data.refs, reason: parsed.data.reason }),
            payloadBinding(id),
          ),
        }),
      trx,
    );
    await recordAudit(trx, {
      actor: staff.id,
      action: 'case.bulk_export_request',
      target: `approval:${id}`,
      reason: `${parsed.data.refs.length} cases`,
    });
  });
  return id;
}

/**
 * The requester downloads an approved bulk export, once. Only cases the requester may read
 * at that moment are included; each is audited.
 */
export async function downloadBulkExport(
  ctx: AppContext,
  actor: Actor,
  approvalId: unknown,
  locale: Locale,
): Promise<Buffer> {
  requireAllowed(canRequestBulkExport(actor), 'bulk export');
  const staff = staffOnly(actor);
  const id = uuidSchema.safeParse(approvalId);
  if (!id.success) throw new AppError('not_found', 'malformed approval id');
  const db = ctx.database.db;
  const approval = await findApproval(db, id.data);
  if (approval === undefined || approval.requested_by !== staff.id) {
    throw new AppError('not_found', 'no such export');
  }
  if (approval.kind === 'case_pdf') return downloadApprovedCaseSummary(ctx, staff, approval, locale);
  if (approval.kind !== 'bulk_export') throw new AppError('not_found', 'no such export');
  if (approval.status !== 'approved' || approval.payload_enc === null)
    throw new AppError('not_found', 'not approved');
  const payload = approval.payload_enc;
  const refs = await withSubjectKey(
    ctx,
    `staff:${staff.id}`,
    (key) =>
      (
        JSON.parse(decryptFieldText(key, toBuffer(payload), payloadBinding(approval.id))) as {
          refs: string[];
        }
      ).refs,
    db,
  );
  const items: SummaryData[] = [];
  for (const ref of refs) {
    try {
      items.push(await summaryData(ctx, actor, ref, locale));
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'not_found')) throw error;
    }
  }
  const pdf = await renderSummaryPdf(items, locale);
  await db.transaction().execute(async (trx) => {
    if (!(await setApprovalStatus(trx, approval.id, 'approved', 'used', null))) {
      throw new AppError('not_found', 'already downloaded');
    }
    for (const item of items) {
      await recordAudit(trx, {
        actor: staff.id,
        action: 'case.bulk_export_download',
        target: `case:${item.ref}`,
      });
    }
    await recordAudit(trx, {
      actor: staff.id,
      action: 'case.bulk_export',
      target: `approval:${approval.id}`,
      reason: `${items.length} of ${refs.length} cases`,
    });
  });
  return pdf;
}

/** One approved case PDF beyond the quota, downloaded once by its requester (ADR 0096). */
async function downloadApprovedCaseSummary(
  ctx: AppContext,
  staff: StaffActor,
  approval: { id: string; status: string; case_id: string | null },
  locale: Locale,
): Promise<Buffer> {
  const db = ctx.database.db;
  const row = approval.case_id === null ? undefined : await findCaseById(db, approval.case_id);
  if (approval.status !== 'approved' || row === undefined) throw new AppError('not_found', 'not approved');
  // Still readable by the requester now, or not at all.
  const auth = await authoriseCase(db, staff, row.ref, 'content');
  const pdf = await renderSummaryPdf([await summaryData(ctx, staff, row.ref, locale)], locale);
  await db.transaction().execute(async (trx) => {
    if (!(await setApprovalStatus(trx, approval.id, 'approved', 'used', null))) {
      throw new AppError('not_found', 'already downloaded');
    }
    await recordAudit(trx, {
      actor: staff.id,
      action: 'case.export_pdf',
      target: `case:${row.ref}`,
      reason: `summary ${locale}${auth.viaBreakGlass ? ' break-glass' : ''} approved ${approval.id}`,
    });
  });
  return pdf;
}
