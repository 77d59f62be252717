import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStaff, type TestStaff } from '../../../test/support/app.ts';
import { buildCase, buildTeam, staffActor } from '../../../test/support/factories.ts';
import { describeMatrix, type MatrixRole, routesUnder } from '../../../test/support/matrix.ts';
import { STAFF_ROLES } from '../../access/index.ts';
import type { MailConfig } from '../../config/mail-config.ts';
import { addApplicantMessage, markCaseRestricted } from '../cases/index.ts';
import {
  countMyUnread,
  listMyNotifications,
  notificationsOnCaseActivity,
  sendDueDigests,
  smtpSender,
} from './index.ts';
import { setEmailDigest } from './notifications.repository.ts';

/**
 * Home and notifications (issue 21 item 3, ADRs 0187-0188).
 *
 * The matrix of /staff/notifications × every role and no session: every staff member reads
 * and marks their own (another member's notification is refused below). Then,
 * on the same app: new cases and applicant messages notify the right people in the event's
 * transaction, content-free; a restricted case notifies only its team (from the side of a
 * coordinator outside it); the count in the navigation and the home page; and the e-mail
 * digest through a real SMTP server on loopback, which must carry no name, reference or text.
 */
type Scope = 'own';
interface Fixture {
  id: string;
}
let stranger: TestStaff;
let strangerCase = '';

async function notificationFor(staffId: string): Promise<string> {
  const id = randomUUID();
  const db = matrix.current.t.ctx.database.db;
  await db
    .insertInto('staff_notifications')
    .values({ id, staff_id: staffId, kind: 'new_case', case_id: strangerCase, source_id: randomUUID() })
    .execute();
  return id;
}

const signedIn = (role: MatrixRole) => role !== 'anonymous';
const matrix = describeMatrix<Fixture, Scope>({
  title: 'authorisation matrix of /staff/notifications',
  served: (t) => routesUnder(t, ['/staff/notifications']),
  routes: {
    'GET /staff/notifications': { allowed: signedIn, allowedStatuses: [200] },
    'POST /staff/notifications/read': {
      allowed: signedIn,
      allowedStatuses: [303],
      fresh: true,
      body: (f) => ({ id: f.id }),
    },
    'POST /staff/notifications/email': {
      allowed: signedIn,
      allowedStatuses: [303],
      body: () => ({ digest: 'off' }),
    },
  },
  scopes: ['own'],
  roles: [...STAFF_ROLES, 'anonymous'],
  async setup(t) {
    stranger = await buildStaff(t.ctx, 'caseworker');
    strangerCase = (await buildCase(t.ctx)).id;
  },
  fixture: async ({ session }) => ({ id: await notificationFor(session.staff?.id ?? stranger.id) }),
  url: (path) => path,
});

const rowsOf = async (caseId: string) =>
  (
    await matrix.current.t.ctx.database.db
      .selectFrom('staff_notifications')
      .select(['staff_id', 'kind'])
      .where('case_id', '=', caseId)
      .execute()
  ).map((r) => `${r.staff_id}:${r.kind}`);

describe('in-app notifications (ADR 0187)', () => {
  let coordinator: TestStaff;
  let caseworker: TestStaff;
  let member: TestStaff;
  beforeAll(() => {
    const { sessions } = matrix.current;
    coordinator = sessions.get('coordinator')!.staff!;
    caseworker = sessions.get('caseworker')!.staff!;
    member = stranger;
  });

  it('tells those who place cases of a new unassigned case, and the assignee of a message, with no content', async () => {
    const { t } = matrix.current;
    const ctx = t.ctx;
    const secret = `message-canary-${randomUUID().slice(0, 8)}`;
    const created = await buildCase(ctx, {
      person: { givenName: 'Notifyname', familyName: 'Петров', documents: [], family: [] },
    });
    expect(await rowsOf(created.id)).toEqual([`${coordinator.id}:new_case`]);
    // Told twice (a retried batch), it stays one notification.
    await ctx.database.db
      .transaction()
      .execute((trx) => notificationsOnCaseActivity.newCases(trx, [created.id, created.id]));
    expect(await rowsOf(created.id)).toHaveLength(1);

    await ctx.database.db
      .updateTable('cases')
      .set({ assignee_id: caseworker.id })
      .where('id', '=', created.id)
      .execute();
    await addApplicantMessage(ctx, created.id, secret);
    expect((await rowsOf(created.id)).sort()).toEqual(
      [`${coordinator.id}:new_case`, `${caseworker.id}:new_message`].sort(),
    );
    const stored = JSON.stringify(
      await ctx.database.db
        .selectFrom('staff_notifications')
        .selectAll()
        .where('case_id', '=', created.id)
        .execute(),
    );
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain('Notifyname');

    // The caseworker's navigation counts it; the page names the kind and the case, not the text.
    const client = matrix.current.sessions.get('caseworker')!.client;
    const before = await countMyUnread(ctx, staffActor(caseworker));
    expect(before).toBeGreaterThan(0);
    const page = await client.get('/staff/notifications?lang=en');
    expect(page.body).toContain(`(${before})`);
    expect(page.body).toContain('New message from the applicant');
    expect(page.body).toContain(created.ref);
    expect(page.body).not.toContain(secret);
    expect(page.body).not.toContain('Notifyname');
    const home = await client.get('/staff?lang=en');
    expect(home.body).toContain('id="home-overview"');
    expect(home.body).toContain('id="panic"');
    expect(home.body).toContain('unread notification');

    // Hostile or impossible input: a translated 400 or a 404, nothing written.
    const csrf = matrix.current.sessions.get('caseworker')!.csrf;
    const audits = async () =>
      Number(
        (
          await ctx.database.db
            .selectFrom('audit_log')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .where('action', 'like', 'notifications.%')
            .executeTakeFirstOrThrow()
        ).n,
      );
    const auditsBefore = await audits();
    for (const digest of ['on', '<script>', '']) {
      const res = await client.post('/staff/notifications/email?lang=en', { _csrf: csrf, digest });
      expect(res.statusCode, digest).toBe(400);
      expect(res.body).toContain('e-mail needs a configured mail server');
      expect(res.body).not.toContain('<script>');
    }
    for (const id of ['not-a-uuid', "' or 1=1 --", randomUUID()]) {
      expect((await client.post('/staff/notifications/read?lang=en', { _csrf: csrf, id })).statusCode).toBe(
        404,
      );
    }
    expect(await audits()).toBe(auditsBefore);
    expect(await countMyUnread(ctx, staffActor(caseworker))).toBe(before);

    // Another member's notification: 404, and it stays unread.
    const theirs = await notificationFor(stranger.id);
    const refused = await client.post('/staff/notifications/read?lang=en', {
      _csrf: matrix.current.sessions.get('caseworker')!.csrf,
      id: theirs,
    });
    expect(refused.statusCode).toBe(404);
    const still = await ctx.database.db
      .selectFrom('staff_notifications')
      .select('read')
      .where('id', '=', theirs)
      .executeTakeFirstOrThrow();
    expect(still.read).toBe(false);

    const all = await client.post('/staff/notifications/read?lang=en', {
      _csrf: matrix.current.sessions.get('caseworker')!.csrf,
      id: 'all',
    });
    expect(all.statusCode).toBe(303);
    expect(await countMyUnread(ctx, staffActor(caseworker))).toBe(0);
  });

  it('keeps a restricted case out of every notification outside its team, however it was first told', async () => {
    const { t } = matrix.current;
    const ctx = t.ctx;
    const team = await buildTeam(ctx, { restricted: true, members: [member.id] });
    const created = await buildCase(ctx);
    // Unassigned for an instant, the coordinator was told; restricting the case in the same
    // transaction (as the high-assurance path does) takes it back and tells the team.
    expect(await rowsOf(created.id)).toEqual([`${coordinator.id}:new_case`]);
    await ctx.database.db.transaction().execute((trx) => markCaseRestricted(trx, created.id, team));
    expect(await rowsOf(created.id)).toEqual([`${member.id}:new_case`]);
    // An applicant message on it, with nobody assigned, reaches the team only.
    await addApplicantMessage(ctx, created.id, 'hello');
    expect((await rowsOf(created.id)).every((r) => r.startsWith(member.id))).toBe(true);

    // From the coordinator's side: no trace in the list, the count, the home page or the page,
    // even with a row planted by hand (a stale notification from before the restriction).
    await ctx.database.db
      .insertInto('staff_notifications')
      .values({
        id: randomUUID(),
        staff_id: coordinator.id,
        kind: 'new_message',
        case_id: created.id,
        source_id: randomUUID(),
      })
      .execute();
    const actor = staffActor(coordinator);
    expect((await listMyNotifications(ctx, actor)).map((n) => n.ref)).not.toContain(created.ref);
    const client = matrix.current.sessions.get('coordinator')!.client;
    for (const path of ['/staff/notifications?lang=en', '/staff?lang=en']) {
      expect((await client.get(path)).body).not.toContain(created.ref);
    }
    // …while the team member sees it.
    expect((await listMyNotifications(ctx, staffActor(member))).map((n) => n.ref)).toContain(created.ref);
  });
});

describe('e-mail digests through the organisation SMTP server (ADR 0188)', () => {
  const received: Array<{ to: string[]; data: string }> = [];
  let server: SMTPServer;
  let mail: MailConfig;
  beforeAll(async () => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          // The text as a reader would see it: headers, then the base64 body decoded.
          const raw = Buffer.concat(chunks).toString('utf8');
          const split = raw.search(/\r?\n\r?\n/);
          const body = Buffer.from(raw.slice(split).replace(/\s+/g, ''), 'base64').toString('utf8');
          expect(raw).toMatch(/Content-Transfer-Encoding: base64/);
          received.push({
            to: session.envelope.rcptTo.map((r) => r.address),
            data: `${raw.slice(0, split)}\n\n${body}`,
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.server.address() as AddressInfo).port;
    mail = { smtpUrl: `smtp://127.0.0.1:${port}`, from: 'sanctuary@example.org', digestMinutes: 60 };
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends one content-free digest per interval, only to those who asked, at their own address', async () => {
    const { t, sessions } = matrix.current;
    const ctx = t.ctx;
    const lawyer = sessions.get('lawyer')!.staff!;
    const secret = `digest-canary-${randomUUID().slice(0, 8)}`;
    const c = await buildCase(ctx, {
      person: { givenName: 'Digestname', familyName: 'Sidorov', documents: [], family: [] },
      assigneeId: lawyer.id,
    });
    await addApplicantMessage(ctx, c.id, secret);
    await addApplicantMessage(ctx, c.id, `${secret}-2`);
    const send = smtpSender(mail);
    const now = new Date('2030-01-01T10:00:00Z');

    // Not opted in: nothing is sent.
    expect(await sendDueDigests(ctx, { now, send, mail })).toBe(0);
    await setEmailDigest(ctx.database.db, lawyer.id, true);
    expect(await sendDueDigests(ctx, { now, send, mail })).toBe(1);
    expect(received).toHaveLength(1);
    const message = received[0]!;
    expect(message.to).toEqual([lawyer.email]);
    expect(message.data).toContain('You have 2 new message(s) and 0 new case(s).');
    for (const leak of [secret, c.ref, 'Digestname', 'Sidorov', lawyer.email.split('@')[0]!]) {
      expect(
        message.data
          .split('\n')
          .filter((l) => !/^(To|From):/i.test(l))
          .join('\n'),
      ).not.toContain(leak);
    }

    // Within the interval, even with news: nothing. After it: one more, for the news only.
    await addApplicantMessage(ctx, c.id, `${secret}-3`);
    expect(await sendDueDigests(ctx, { now: new Date(now.getTime() + 30 * 60_000), send, mail })).toBe(0);
    expect(await sendDueDigests(ctx, { now: new Date(now.getTime() + 61 * 60_000), send, mail })).toBe(1);
    expect(received[1]!.data).toContain('You have 1 new message(s)');
    expect(await sendDueDigests(ctx, { now: new Date(now.getTime() + 200 * 60_000), send, mail })).toBe(0);
    expect(t.logs()).not.toContain(lawyer.email);
  });

  it('keeps the digest for the next run when the mail server refuses, and logs no address', async () => {
    const { t, sessions } = matrix.current;
    const ctx = t.ctx;
    const worker = sessions.get('caseworker')!.staff!;
    const c = await buildCase(ctx, { assigneeId: worker.id });
    await addApplicantMessage(ctx, c.id, 'ping');
    await setEmailDigest(ctx.database.db, worker.id, true);
    const refused: MailConfig = { ...mail, smtpUrl: 'smtp://127.0.0.1:1' };
    const now = new Date('2031-01-01T10:00:00Z');
    expect(await sendDueDigests(ctx, { now, send: smtpSender(refused), mail: refused })).toBe(0);
    expect(t.logs()).toContain('an e-mail digest was not accepted');
    expect(t.logs()).not.toContain(worker.email);
    expect(await sendDueDigests(ctx, { now, send: smtpSender(mail), mail })).toBe(1);
    expect(received.at(-1)!.to).toEqual([worker.email]);
  });
});
