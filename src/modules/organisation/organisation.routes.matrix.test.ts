import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { TestApp } from '../../../test/support/app.ts';
import { countRows } from '../../../test/support/db.ts';
import { describeMatrix, type MatrixRole, routesUnder } from '../../../test/support/matrix.ts';
import { multipart } from '../../../test/support/multipart.ts';
import { type StaffActor, STAFF_ROLES } from '../../access/index.ts';
import { saveOrganisationDraft, setOrganisationLogo } from './organisation.service.ts';

/**
 * The administrator's organisation page (/staff/organisation, issue 21 item 5, ADR 0193):
 * every route × every role and no session. Administrators only; everyone else 404 (401 without
 * a session) and the database unchanged. Then what the page does, from the administrator's and
 * the attacker's side: hostile forms and logos refused with nothing written, the contact person
 * never stored in clear, a draft never shown to applicants, earlier versions still readable.
 */
const admins = (role: MatrixRole) => role === 'admin';
let adminActor: StaffActor;
const logoPng = () =>
  sharp({ create: { width: 300, height: 100, channels: 4, background: '#336699' } })
    .png()
    .toBuffer();

let latestDraft = 0;
/** A draft to name (saving updates the draft, or starts one from the published version). */
const draftVersion = async (t: TestApp) => {
  latestDraft = await saveOrganisationDraft(t.ctx, adminActor, {
    name_en: 'Matrix organisation',
    name_ru: 'Матрица',
  });
  return latestDraft;
};

/**
 * Publishing and discarding consume the draft: each names the latest one when it runs, and an
 * allowed cell leaves a new draft behind for the next.
 */
const consumesDraft = {
  allowed: admins,
  body: () => ({ version: String(latestDraft) }),
  allowedStatuses: [303],
  after: async (t: TestApp) => {
    await draftVersion(t);
  },
};

const matrix = describeMatrix<{ version: number; png: Buffer }, 'none'>({
  title: 'authorisation matrix of /staff/organisation',
  served: (t) => routesUnder(t, ['/staff/organisation']),
  routes: {
    'GET /staff/organisation': { allowed: admins },
    'POST /staff/organisation/draft': {
      allowed: admins,
      body: () => ({ name_en: 'Help to leave (test)', telegram: '@help_to_leave' }),
      allowedStatuses: [303],
    },
    'POST /staff/organisation/publish': consumesDraft,
    'POST /staff/organisation/discard': consumesDraft,
    'POST /staff/organisation/logo': {
      allowed: admins,
      multipart: (f) => [{ name: 'logo', file: f.png, type: 'image/png' }],
      allowedStatuses: [303],
    },
    'GET /staff/organisation/preview': { allowed: admins },
    'GET /staff/organisation/preview/privacy': { allowed: admins },
    'GET /staff/organisation/versions/:version': { allowed: admins },
    'GET /staff/organisation/versions/:version/logo': { allowed: admins },
  },
  scopes: ['none'],
  roles: [...STAFF_ROLES, 'anonymous'],
  allowedStatuses: [200],
  setup: async (t, sessions) => {
    adminActor = {
      kind: 'staff',
      id: sessions.get('admin')!.staff!.id,
      role: 'admin',
      sessionHash: Buffer.alloc(32),
    };
    await draftVersion(t);
    await setOrganisationLogo(t.ctx, adminActor, { file: await logoPng(), truncated: false });
  },
  fixture: async ({ t }) => ({ version: await draftVersion(t), png: await logoPng() }),
  url: (path, f) => path.replace(':version', String(f.version)),
});

describe('the organisation page', () => {
  const admin = () => matrix.current.sessions.get('admin')!;
  const t = () => matrix.current.t;
  const csrf = async () => {
    const page = await admin().client.get('/staff/organisation?lang=en');
    return /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
  };
  const writes = async () =>
    Promise.all([
      countRows(t().ctx.database.db, 'organisation_versions'),
      countRows(t().ctx.database.db, 'audit_log'),
    ]);

  it('is linked for administrators only', async () => {
    for (const role of STAFF_ROLES) {
      const home = await matrix.current.sessions.get(role)!.client.get('/staff?lang=en');
      expect(home.body.includes('href="/staff/organisation?lang=en"'), role).toBe(admins(role));
    }
  });

  it('refuses hostile settings with a translated 400 and writes nothing', async () => {
    const token = await csrf();
    const before = await writes();
    const hostile: Array<[Record<string, string>, string, string]> = [
      [{ telegram: 'javascript:alert(1)' }, 'telegram', 'Telegram username'],
      [{ signal: '+7 (999) 12' }, 'signal', 'international form'],
      [{ email: 'not an address' }, 'email', 'valid e-mail'],
      [{ name_en: 'x'.repeat(81) }, 'name_en', 'At most 80 characters'],
      [{ welcome_uk: 'bad\u0000byte' }, 'welcome_uk', 'not plain text'],
      [{ privacy_ru: 'я'.repeat(8_001) }, 'privacy_ru', 'Too long'],
      [{ q1_type: 'script', q1_label_en: 'Q' }, 'q1_type', 'Check this question'],
      [{ q2_type: 'short_text' }, 'q2_type', 'Check this question'],
      [
        { q3_type: 'choice', q3_label_en: 'Pick', q3_options_en: 'only one' },
        'q3_type',
        'Check this question',
      ],
      [
        { q4_type: 'choice', q4_label_en: 'Pick', q4_options_en: 'a\nb', q4_options_ru: 'а\nб\nв' },
        'q4_type',
        'Check this question',
      ],
    ];
    for (const [fields, name, text] of hostile) {
      const res = await admin().client.post('/staff/organisation/draft?lang=en', { _csrf: token, ...fields });
      expect(res.statusCode, name).toBe(400);
      expect(res.body, name).toContain(text);
      expect(res.body, name).toContain(`aria-invalid="true"`);
      expect(res.body, name).not.toContain('<script');
    }
    const ru = await admin().client.post('/staff/organisation/draft?lang=ru', { _csrf: token, signal: '12' });
    expect(ru.body).toContain('международном формате');
    expect(await writes()).toEqual(before);
  });

  it('keeps the contact person encrypted, shows a draft only in the preview, and publishes it as a new version', async () => {
    const token = await csrf();
    const saved = await admin().client.post('/staff/organisation/draft?lang=en', {
      _csrf: token,
      name_en: 'Way Out <b>Collective</b>',
      name_ru: 'Выход',
      telegram: '@way_out_help',
      signal: '+49 170 1234567',
      email: 'help@example.org',
      contact_person: 'CANARY-PERSON Anna +4915112345678',
      welcome_en: 'First paragraph <script>alert(1)</script>.\n\nSecond paragraph.',
      privacy_en: 'We keep nothing <i>forever</i>.',
      q1_type: 'yes_no',
      q1_required: '1',
      q1_label_en: 'Are you safe tonight?',
      q1_label_ru: 'Вы сегодня в безопасности?',
    });
    expect(saved.statusCode).toBe(303);
    const rows = await t()
      .ctx.database.db.selectFrom('organisation_versions')
      .selectAll()
      .where('published_at', 'is', null)
      .execute();
    expect(rows).toHaveLength(1);
    const draft = rows[0]!;
    expect(JSON.stringify(draft.settings)).not.toContain('CANARY-PERSON');
    expect(Buffer.from(draft.contact_person_enc!).toString('latin1')).not.toContain('CANARY-PERSON');
    // The administrator reads it back; applicants never see it.
    const page = await admin().client.get('/staff/organisation?lang=en');
    expect(page.body).toContain('CANARY-PERSON');

    // Applicants do not see the draft; the preview does, escaped, with paragraphs.
    const before = await t().app.inject('/?lang=en');
    expect(before.body).not.toContain('Way Out');
    const preview = await admin().client.get('/staff/organisation/preview?lang=en');
    expect(preview.statusCode).toBe(200);
    expect(preview.body).toContain('Way Out &lt;b>Collective&lt;/b>');
    expect(preview.body).toContain(
      '<p>First paragraph &lt;script>alert(1)&lt;/script>.</p><p>Second paragraph.</p>',
    );
    expect(preview.body).toContain('Are you safe tonight?');
    expect(preview.body).toContain(`/staff/organisation/versions/${draft.version}/logo`);
    const privacy = await admin().client.get('/staff/organisation/preview/privacy?lang=en');
    expect(privacy.body).toContain('We keep nothing &lt;i>forever&lt;/i>.');

    // Publishing a draft other than the one previewed is refused.
    const stale = await admin().client.post('/staff/organisation/publish?lang=en', {
      _csrf: token,
      version: String(draft.version + 1),
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.body).toContain('The draft changed meanwhile');
    const published = await admin().client.post('/staff/organisation/publish?lang=en', {
      _csrf: token,
      version: String(draft.version),
    });
    expect(published.statusCode).toBe(303);
    const audit = await t()
      .ctx.database.db.selectFrom('audit_log')
      .select(['action'])
      .where('target', '=', `organisation:v${draft.version}`)
      .execute();
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(['organisation.draft_saved', 'organisation.published']),
    );

    const home = await t().app.inject('/?lang=en');
    expect(home.body).toMatch(/<title>[^<]* · Way Out &lt;b>Collective&lt;\/b><\/title>/);
    expect(home.body).toContain('https://t.me/way_out_help');
    expect(home.body).toContain('+491701234567');
    expect(home.body).toContain('mailto:help@example.org');
    expect(home.body).not.toContain('CANARY-PERSON');
    expect(home.body).toContain(`/organisation/logo/${draft.version}.png`);
    // Russian readers get the Russian name; Ukrainian (not given) falls back to the first given.
    expect((await t().app.inject('/?lang=ru')).body).toContain('Выход');
    expect((await t().app.inject('/?lang=uk')).body).toContain('<span class="brand">');
    // The logo is served from our origin as PNG; a draft's or a missing one is not.
    const logo = await t().app.inject(`/organisation/logo/${draft.version}.png`);
    expect(logo.statusCode).toBe(200);
    expect(logo.headers['content-type']).toBe('image/png');
    expect((await t().app.inject('/organisation/logo/999.png')).statusCode).toBe(404);
    expect((await t().app.inject('/organisation/logo/..%2Fx.png')).statusCode).toBe(404);

    // The earlier version stays readable after a new one is published.
    const next = await admin().client.post('/staff/organisation/draft?lang=en', {
      _csrf: token,
      name_en: 'Renamed',
      q1_type: 'yes_no',
      q1_label_en: 'Changed question',
    });
    expect(next.statusCode).toBe(303);
    const draftLogo = await t().app.inject(`/organisation/logo/${draft.version + 1}.png`);
    expect(draftLogo.statusCode).toBe(404);
    const old = await admin().client.get(`/staff/organisation/versions/${draft.version}?lang=en`);
    expect(old.body).toContain('Are you safe tonight?');
    expect(old.body).toContain('CANARY-PERSON');
  });

  it('re-encodes the logo without its metadata and refuses what is not an image', async () => {
    const withExif = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#aa0000' } })
      .jpeg()
      .withExif({ IFD0: { Copyright: 'CANARY-EXIF-GPS' } })
      .toBuffer();
    expect(withExif.toString('latin1')).toContain('CANARY-EXIF-GPS');
    const upload = async (file: Buffer, type: string) => {
      const body = multipart([
        { name: '_csrf', value: await csrf() },
        { name: 'logo', file, filename: 'logo', type },
      ]);
      return t().app.inject({
        method: 'POST',
        url: '/staff/organisation/logo?lang=en',
        headers: { cookie: admin().client.cookieHeader, 'content-type': body.contentType },
        payload: body.payload,
      });
    };
    expect((await upload(withExif, 'image/jpeg')).statusCode).toBe(303);
    const row = await t()
      .ctx.database.db.selectFrom('organisation_versions')
      .select(['logo', 'logo_height'])
      .where('published_at', 'is', null)
      .executeTakeFirstOrThrow();
    const stored = Buffer.from(row.logo!);
    expect(stored.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(stored.toString('latin1')).not.toContain('CANARY-EXIF');
    expect(row.logo_height).toBeLessThanOrEqual(48);

    const before = await writes();
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const fakePng = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.from('<html>'),
    ]);
    for (const [file, type] of [
      [svg, 'image/png'],
      [fakePng, 'image/png'],
      [Buffer.alloc(300 * 1024, 0xff), 'image/jpeg'],
    ] as const) {
      const res = await upload(file, type);
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain('The logo must be a PNG or JPEG image of at most 256 KB.');
    }
    expect(await writes()).toEqual(before);
  });
});
