import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, Client, loginAs, type TestApp, type TestStaff } from '../../../test/support/app.ts';
import { storedBlobs } from '../../../test/support/blobs.ts';
import { buildCase, buildTeam, staffActor } from '../../../test/support/factories.ts';
import { jpegWithExif, onePagePdf, PDF_OK } from '../../../test/support/file-fixtures.ts';
import { intakeTestConfig } from '../../../test/support/intake.ts';
import { multipart } from '../../../test/support/multipart.ts';
import { getAccessLog } from '../case-access/index.ts';
import { addAttachment, intakeRuntimeOf, listOwnAttachments } from '../intake/index.ts';

/**
 * Documents on the case file: the applicant's uploads and staff uploads show in the
 * timeline; downloads are decrypted attachments (never inline), audited, and shown in the
 * access log; uploads go through the intake pipeline (allow-list, stripping, encryption);
 * need-to-know applies (404 for others, nothing written).
 */
let t: TestApp;
let cw: { client: Client; staff: TestStaff };
let other: { client: Client; staff: TestStaff };
let teamA: string;

beforeAll(async () => {
  t = await buildTestApp({ config: { intake: intakeTestConfig({ maxUploadBytes: 64 * 1024 }) } });
  cw = await loginAs(t, 'caseworker');
  other = await loginAs(t, 'caseworker');
  teamA = await buildTeam(t.ctx, { name: 'Docs team A', members: [cw.staff.id] });
  await buildTeam(t.ctx, { name: 'Docs team B', members: [other.staff.id] });
}, 120_000);
afterAll(async () => t.close());

async function upload(
  who: { client: Client },
  ref: string,
  file: Buffer,
  filename: string,
  options: { csrf?: string | null } = {},
) {
  const csrf =
    options.csrf === undefined
      ? Client.csrfOf((await who.client.get('/staff/cases?lang=en')).body)
      : options.csrf;
  const form = multipart([
    ...(csrf === null ? [] : [{ name: '_csrf', value: csrf }]),
    { name: 'file', file, filename, type: 'application/octet-stream' },
  ]);
  return t.app.inject({
    method: 'POST',
    url: `/staff/intake/cases/${ref}/attachments?lang=en`,
    headers: { cookie: who.client.cookieHeader, 'content-type': form.contentType },
    payload: form.payload,
  });
}

/** Rows of the tables an upload writes, and the files in the blob directory. */
async function snapshot(): Promise<string> {
  const parts: string[] = [];
  for (const table of ['intake_attachments', 'audit_log', 'cases']) {
    const r = await sql<{
      h: string | null;
    }>`select md5(string_agg(x::text, ',' order by x::text)) as h from ${sql.table(table)} x`.execute(
      t.ctx.database.db,
    );
    parts.push(`${table}:${r.rows[0]?.h ?? ''}`);
  }
  return `${parts.join('|')}|blobs:${(await storedBlobs(t)).size}`;
}

const hrefs = (html: string) =>
  [...html.matchAll(/href="(\/staff\/intake\/cases\/[^"]+\/attachments\/[0-9a-f-]{36}[^"]*)"/g)].map((m) =>
    m[1]!.replaceAll('&amp;', '&'),
  );

describe('documents on the case file', () => {
  it('lists the applicant upload in the timeline and serves it as an audited attachment', async () => {
    const { id, ref } = await buildCase(t.ctx, { teamId: teamA });
    await addAttachment(t.ctx, intakeRuntimeOf(t.ctx), id, {
      data: jpegWithExif(),
      fileName: 'повестка "2026".jpg',
      keepOriginal: false,
    });
    const page = await cw.client.get(`/staff/cases/${ref}?lang=en`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Document from the applicant: повестка');
    const links = hrefs(page.body);
    expect(links.length).toBeGreaterThanOrEqual(1);

    const res = await cw.client.get(links[0]!);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
    const disposition = String(res.headers['content-disposition']);
    // RFC 6266: attachment, an ASCII-only quoted fallback, the real name in filename*.
    expect(disposition).toMatch(/^attachment; filename="?[A-Za-z0-9._-]+"?; filename\*=UTF-8''/);
    expect(disposition).not.toContain('inline');
    expect(disposition).toContain(encodeURIComponent('повестка'));
    // RFC 8187 attr-chars only: the quote in the name is percent-encoded.
    expect(disposition.split("filename*=UTF-8''")[1]).toMatch(/^[A-Za-z0-9%!#$&+.^_`|~-]+$/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
    expect(res.headers['cache-control']).toBe('no-store');
    // Decrypted, metadata stripped.
    expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect(res.rawPayload.includes(Buffer.from('secret-location'))).toBe(false);

    // The download is in the audit log and in the case's access log.
    const log = await getAccessLog(t.ctx, staffActor(cw.staff), ref, {
      embedded: true,
    });
    expect(log.some((e) => e.action === 'intake.attachment_read' && e.who === cw.staff.email)).toBe(true);
  });

  it('lets a caseworker upload to their case: stripped, encrypted on disk, in the timeline, not in the applicant inbox', async () => {
    const { id, ref } = await buildCase(t.ctx, { teamId: teamA });
    const blobsBefore = new Set((await storedBlobs(t)).keys());
    const res = await upload(cw, ref, jpegWithExif(), 'scan.jpg');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(
      `/staff/cases/${ref}?lang=en&flash=cases.flash.document_added#documents`,
    );
    const written = [...(await storedBlobs(t))].filter(([id]) => !blobsBefore.has(id));
    expect(written).toHaveLength(1);
    const onDisk = written[0]![1];
    expect(onDisk.includes(Buffer.from('JFIF'))).toBe(false);
    expect(onDisk.includes(Buffer.from('secret-location'))).toBe(false);

    const page = await cw.client.get(`/staff/cases/${ref}?lang=en&flash=cases.flash.document_added`);
    expect(page.body).toContain('Document added.');
    expect(page.body).toContain(`${cw.staff.email} added a document: scan.jpg`);
    const [link] = hrefs(page.body);
    const file = await cw.client.get(link!);
    expect(file.statusCode).toBe(200);
    expect(file.rawPayload.includes(Buffer.from('secret-location'))).toBe(false);
    // Internal documents never reach the applicant's inbox.
    expect(await listOwnAttachments(t.ctx, id)).toEqual([]);
    const audit = await t.ctx.database.db
      .selectFrom('audit_log')
      .select(['actor', 'action'])
      .where('target', '=', `case:${ref}`)
      .where('action', '=', 'case.document_add')
      .execute();
    expect(audit).toEqual([{ actor: cw.staff.id, action: 'case.document_add' }]);
  });

  it('refuses hostile files with a translated message and writes nothing', async () => {
    const { ref } = await buildCase(t.ctx, { teamId: teamA });
    const before = await snapshot();
    const html = Buffer.from('<html><script>alert(1)</script></html>');
    const res = await upload(cw, ref, html, 'x.html');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toContain('error=cases.document.error_type');
    const activePdf = Buffer.from('%PDF-1.4\n1 0 obj << /JavaScript (app.alert(1)) >> endobj\n%%EOF\n');
    expect((await upload(cw, ref, activePdf, 'x.pdf')).headers.location).toContain(
      'error=cases.document.error_damaged',
    );
    expect((await upload(cw, ref, Buffer.alloc(70 * 1024, 1), 'big.pdf')).headers.location).toContain(
      'error=cases.document.error_size',
    );
    const locked = onePagePdf(
      {},
      { trailer: '/Encrypt << /Filter /Standard /V 1 /R 2 /O <00> /U <00> /P -4 >>' },
    );
    const lockedRes = await upload(cw, ref, locked, 'locked.pdf');
    expect(lockedRes.headers.location).toContain('error=cases.document.error_encrypted');
    expect(await snapshot()).toBe(before);
    const lockedPage = await cw.client.get(
      String(lockedRes.headers.location).replace(/^.*\/staff/, '/staff'),
    );
    expect(lockedPage.body).toContain('This PDF is password-protected, so it cannot be checked.');
    // The case page shows the translated message the redirect names.
    const page = await cw.client.get(String(res.headers.location).replace(/^.*\/staff/, '/staff'));
    expect(page.body).toContain('Only JPEG, PNG and PDF files are accepted.');
  });

  it('answers 404 to another team, for upload and download, and writes nothing', async () => {
    const { id, ref } = await buildCase(t.ctx, { teamId: teamA });
    const { id: attachmentId } = await addAttachment(t.ctx, intakeRuntimeOf(t.ctx), id, {
      data: PDF_OK,
      fileName: 'letter.pdf',
      keepOriginal: false,
    });
    const before = await snapshot();
    expect((await upload(other, ref, PDF_OK, 'mine.pdf')).statusCode).toBe(404);
    expect(
      (await other.client.get(`/staff/intake/cases/${ref}/attachments/${attachmentId}`)).statusCode,
    ).toBe(404);
    // A missing case and a wrong attachment id answer the same.
    expect((await upload(cw, 'C-22222222', PDF_OK, 'x.pdf')).statusCode).toBe(404);
    expect(
      (await cw.client.get(`/staff/intake/cases/${ref}/attachments/00000000-0000-4000-8000-000000000000`))
        .statusCode,
    ).toBe(404);
    expect(await snapshot()).toBe(before);
  });

  it('refuses an upload without the CSRF field before reading the file, and without a session', async () => {
    const { ref } = await buildCase(t.ctx, { teamId: teamA });
    const before = await snapshot();
    expect((await upload(cw, ref, PDF_OK, 'x.pdf', { csrf: null })).statusCode).toBe(403);
    expect((await upload(cw, ref, PDF_OK, 'x.pdf', { csrf: 'forged' })).statusCode).toBe(403);
    const anon = new Client(t.app);
    expect((await upload({ client: anon }, ref, PDF_OK, 'x.pdf', { csrf: 'x' })).statusCode).toBe(401);
    expect(await snapshot()).toBe(before);
  });
});
