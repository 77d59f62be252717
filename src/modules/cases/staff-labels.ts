import type { AppContext } from '../../context.ts';
import { decryptFieldText } from '../../crypto/index.ts';
import { type Db, toBuffer } from '../../db/database.ts';
import { openSubjectKey } from '../keys/keys.service.ts';
import { findStaffEmails } from './cases.repository.ts';

/**
 * Names of colleagues on workspace pages (assignee, author, reviewer): their email, decrypted
 * with the staff member's own data key. Kept in memory for five minutes so that a queue page
 * does not unwrap the same key fifty times; the cache holds staff emails only, never
 * applicant data, and is dropped whenever the server seals.
 * TODO(auth): move to an exported `getStaffLabels` in the auth module; the binding
 * (`staff|email|<id>`) is the auth module's and is repeated here only for that reason.
 */
const TTL_MS = 5 * 60_000;
const cache = new Map<string, { label: string; until: number }>();
let watching = false;

export async function staffLabels(
  ctx: AppContext,
  db: Db,
  ids: Iterable<string | null>,
): Promise<Map<string, string>> {
  if (!watching) {
    ctx.vault.onChange(() => cache.clear());
    watching = true;
  }
  const now = Date.now();
  const out = new Map<string, string>();
  const missing: string[] = [];
  for (const id of new Set(ids)) {
    if (id === null) continue;
    const hit = cache.get(id);
    if (hit !== undefined && hit.until > now) out.set(id, hit.label);
    else missing.push(id);
  }
  for (const row of await findStaffEmails(db, missing)) {
    const key = await openSubjectKey(db, ctx.vault, `staff:${row.id}`);
    try {
      const label = decryptFieldText(key, toBuffer(row.email_enc), {
        table: 'staff',
        column: 'email',
        rowId: row.id,
      });
      cache.set(row.id, { label, until: now + TTL_MS });
      out.set(row.id, label);
    } finally {
      key.dispose();
    }
  }
  return out;
}
