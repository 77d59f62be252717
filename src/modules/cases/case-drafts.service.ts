import type { Actor } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { type DataKey, encryptField } from '../../crypto/index.ts';
import type { Db } from '../../db/database.ts';
import { isLocale, type Locale } from '../../platform/i18n/index.ts';
import { actOnCase } from './case-actions.ts';
import { bind, decryptJson, decryptText } from './case-helpers.ts';
import { draftFormSchema, personSchema } from './cases.schemas.ts';
import { fillTemplate, findTemplate, insertTemplate } from './cases.templates.ts';

/**
 * Reply drafts (ADR 0181): one per case and staff member, kept on the server encrypted under
 * the case's key, bound to the case and the member, so that a draft survives inserting a
 * template, the other forms of the case page and leaving the page. Nothing is kept in the
 * browser (a seized staff laptop holds no draft), and nothing travels in a URL. A draft is
 * deleted when the reply is sent, when it is saved empty, and with the case.
 */

const draftBinding = (caseId: string, staffId: string) =>
  bind('case_reply_drafts', 'body', `${caseId}:${staffId}`);

/** Three days ahead, the `{date}` of a template ("we will write again by…"). */
function replyBy(now: Date): string {
  return new Date(now.getTime() + 3 * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Saves the reply box (POST from the case page). With a template chosen, the template is
 * filled for the case (its greeting uses the given name, neutral when none is known) and put
 * into the box: in place of an empty draft, after a draft being typed. Returns the new draft.
 */
export async function saveReplyDraft(
  ctx: AppContext,
  actor: Actor,
  ref: unknown,
  input: unknown,
  now = new Date(),
): Promise<string> {
  return actOnCase(ctx, actor, ref, input, {
    parse: (i) => draftFormSchema.safeParse(i),
    step: async ({ trx, row, staff, form, withKey }) =>
      withKey(async (key) => {
        let body = form.body;
        const template = form.insert ? findTemplate(form.template) : undefined;
        if (template !== undefined) {
          const tlang: Locale = isLocale(form.tlang) ? form.tlang : 'ru';
          const person = personSchema.parse(decryptJson(key, row.person_enc, 'cases', 'person', row.id, {}));
          const name = tlang === 'en' ? (person.givenNameLatin ?? person.givenName) : person.givenName;
          body = insertTemplate(
            body,
            fillTemplate(template, tlang, { name: name ?? '', ref: row.ref, date: replyBy(now) }),
          ).slice(0, 20_000);
        }
        await writeDraft(trx, key, row.id, staff.id, body);
        return body;
      }),
  });
}

/** Stores (or, when empty, deletes) a member's draft on a case, with the case key open. */
export async function writeDraft(db: Db, key: DataKey, caseId: string, staffId: string, body: string) {
  if (body.trim() === '') {
    await deleteDraft(db, caseId, staffId);
    return;
  }
  const body_enc = encryptField(key, body, draftBinding(caseId, staffId));
  await db
    .insertInto('case_reply_drafts')
    .values({ case_id: caseId, staff_id: staffId, body_enc })
    .onConflict((oc) => oc.columns(['case_id', 'staff_id']).doUpdateSet({ body_enc, updated_at: new Date() }))
    .execute();
}

export async function deleteDraft(db: Db, caseId: string, staffId: string): Promise<void> {
  await db
    .deleteFrom('case_reply_drafts')
    .where('case_id', '=', caseId)
    .where('staff_id', '=', staffId)
    .execute();
}

/** The encrypted draft row of a member on a case (read before the key is opened). */
export async function findDraftRow(db: Db, caseId: string, staffId: string) {
  return db
    .selectFrom('case_reply_drafts')
    .select(['body_enc'])
    .where('case_id', '=', caseId)
    .where('staff_id', '=', staffId)
    .executeTakeFirst();
}

/** Decrypts a draft row with the case key the caller holds open ('' when there is none). */
export function openDraft(
  key: DataKey,
  row: { body_enc: Uint8Array } | undefined,
  caseId: string,
  staffId: string,
): string {
  if (row === undefined) return '';
  return decryptText(key, row.body_enc, 'case_reply_drafts', 'body', `${caseId}:${staffId}`);
}
