import type { AppContext } from '../../context.ts';
import { type DataKey, generateDataKey, wrapDataKey } from '../../crypto/index.ts';
import type { Db } from '../../db/database.ts';
import { openSubjectKey } from '../keys/keys.service.ts';

/**
 * Data keys of vetting: one for signal explanations and decision reasons (subject "vetting"),
 * one per imported watchlist ("watchlist:<id>"). Like case keys, they are wrapped by the root
 * key, re-wrapped by rotation, and unusable while sealed.
 */
export const VETTING_SUBJECT = 'vetting';
export const watchlistSubject = (id: string) => `watchlist:${id}`;

/**
 * The vetting data key, created on first use. Two jobs creating it at once cannot both win:
 * the insert does nothing on conflict and the loser opens the winner's key.
 */
export async function openVettingKey(ctx: AppContext, db: Db): Promise<DataKey> {
  const existing = await db
    .selectFrom('data_keys')
    .select('subject')
    .where('subject', '=', VETTING_SUBJECT)
    .executeTakeFirst();
  if (existing === undefined) {
    const keyring = ctx.vault.requireKeyring();
    const key = generateDataKey();
    const { keyId, wrapped } = wrapDataKey(keyring, VETTING_SUBJECT, key);
    const inserted = await db
      .insertInto('data_keys')
      .values({ subject: VETTING_SUBJECT, key_id: keyId, wrapped })
      .onConflict((oc) => oc.column('subject').doNothing())
      .returning('subject')
      .executeTakeFirst();
    if (inserted !== undefined) return key;
    key.dispose();
  }
  return openSubjectKey(db, ctx.vault, VETTING_SUBJECT);
}
