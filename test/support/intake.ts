/**
 * Test helpers for the intake module (not imported by production code): a staff reply
 * through the cases module's real services, and form helpers.
 */
import type { LightMyRequestResponse } from 'fastify';
import type { StaffActor } from '../../src/access/index.ts';
import { parseConfig } from '../../src/config/config.ts';
import type { IntakeConfig } from '../../src/config/intake-config.ts';
import { addReply, assignCase } from '../../src/modules/cases/index.ts';
import { findCaseRefById } from '../../src/modules/intake/intake.repository.ts';
import { buildStaff, Client, type TestApp } from './app.ts';

/**
 * A coordinator assigns the case to a caseworker, who replies to the applicant, as the
 * workspace does (a coordinator assigning it to themselves would need a second person, ADR 0094).
 */
export async function replyAsStaff(t: TestApp, caseRefOrId: string, body: string): Promise<void> {
  const actorOf = (s: { id: string; role: 'coordinator' | 'caseworker' }): StaffActor => ({
    kind: 'staff',
    id: s.id,
    role: s.role,
    sessionHash: Buffer.alloc(32),
  });
  const coordinator = actorOf({ id: (await buildStaff(t.ctx, 'coordinator')).id, role: 'coordinator' });
  const actor = actorOf({ id: (await buildStaff(t.ctx, 'caseworker')).id, role: 'caseworker' });
  let ref = caseRefOrId;
  if (!ref.startsWith('C-')) ref = (await findCaseRefById(t.ctx.database.db, caseRefOrId))!.ref;
  const row = await t.ctx.database.db
    .selectFrom('cases')
    .select(['version'])
    .where('ref', '=', ref)
    .executeTakeFirstOrThrow();
  await assignCase(t.ctx, coordinator, ref, {
    version: String(row.version),
    teamId: '',
    assigneeId: actor.id,
  });
  await addReply(t.ctx, actor, ref, { body });
}

/** The hidden fields of the intake form on a page. */
export function formFieldsOf(html: string): { form_token: string; pow_challenge: string } {
  const token = /name="form_token" value="([^"]+)"/.exec(html)?.[1];
  const challenge = /name="pow_challenge" value="([^"]+)"/.exec(html)?.[1];
  if (token === undefined || challenge === undefined) throw new Error('no intake form on the page');
  return { form_token: token, pow_challenge: challenge };
}

/** The codename shown on a codename page (digits only). */
export function codenameOf(res: LightMyRequestResponse | string): string {
  const html = typeof res === 'string' ? res : res.body;
  const shown = /id="codename">([^<]+)</.exec(html)?.[1];
  if (shown === undefined) throw new Error('no codename on the page');
  return shown.trim();
}

/** Intake settings for tests: the defaults with overrides (no minimum fill time by default). */
export function intakeTestConfig(overrides: Partial<IntakeConfig> = {}): IntakeConfig {
  const base = parseConfig({ SANCTUARY_ENV: 'test', SANCTUARY_DATA_DIR: '/nonexistent' }).intake;
  return { ...base, minFillSeconds: 0, perClientPerMinute: 1_000, noJsPerMinute: 10_000, ...overrides };
}

/** Signs an applicant in through the sign-in page, as a browser does (its CSRF field included). */
export async function signInApplicant(
  c: Client,
  codename: string,
  lang: 'ru' | 'uk' | 'en' = 'en',
): Promise<LightMyRequestResponse> {
  const page = await c.get(`/inbox?lang=${lang}`);
  return c.post(`/inbox/sign-in?lang=${lang}`, { _csrf: Client.csrfOf(page.body), codename });
}
