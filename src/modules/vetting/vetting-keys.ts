import type { AppContext } from '../../context.ts';
import type { DataKey } from '../../crypto/index.ts';
import type { Db } from '../../db/database.ts';
import { openOrCreateSubjectKey } from '../keys/index.ts';

/**
 * Data keys of vetting: one for signal explanations and decision reasons (subject "vetting"),
 * one per imported watchlist ("watchlist:<id>"). Like case keys, they are wrapped by the root
 * key, re-wrapped by rotation, and unusable while sealed.
 */
export const VETTING_SUBJECT = 'vetting';
export const watchlistSubject = (id: string) => `watchlist:${id}`;

/**
 * The vetting data key, created on first use (by the keys module: two jobs creating it at
 * once cannot both win).
 */
export async function openVettingKey(ctx: AppContext, db: Db): Promise<DataKey> {
  return openOrCreateSubjectKey(db, ctx.vault, VETTING_SUBJECT);
}
