import type { AppContext } from '../../context.ts';
import { type DataKey, decryptFieldText, encryptField } from '../../crypto/index.ts';
import { type Db, toBuffer } from '../../db/database.ts';
import { mondayOf, subjectOf, type TeamCount } from '../cases/index.ts';
import { openOrCreateSubjectKey, withSubjectKey } from '../keys/index.ts';
import { listPathwayChecks } from './case-pathways.repository.ts';
import type { StoredCheck } from './case-pathways.schemas.ts';
import { decryptPathwayCheck } from './case-pathways.timeline.tsx';

/**
 * Cases by destination and route (issue 19, ADR 0170), without writing anyone's destination
 * in clear. A case's pathway is the first viable option of its latest saved check (the
 * engine's ranking; the same one partner matching uses). Counts live in one row per ISO week
 * of opening (`pathway_destination_counts`), as a map "team|country|route" → cases, encrypted
 * under a data key of its own and padded to 1 KiB steps; there is no case id and no row per
 * case. When a check is saved, the service already holds the previous check decrypted, so it
 * moves one case from the old pathway to the new one (a delta) in the saving transaction; an
 * erasure takes the case out. What is exact and what is not: see ADR 0170 (a team change
 * after the check leaves the case under its old team).
 */
export const DESTINATIONS_SUBJECT = 'statistics:pathway-destinations';
const PAD = 1024;

export interface Pathway {
  country: string;
  route: string;
}

type Counts = Record<string, number>;

/** The case's pathway in a stored check: its first viable option, or none. */
export function chosenPathway(check: StoredCheck | null): Pathway | null {
  const option = check?.options.find((o) => o.viable === true);
  return option === undefined ? null : { country: option.country, route: option.kind };
}

/** The pathway of a case's latest saved check (decrypted with the case key; the caller has access). */
export async function currentPathway(ctx: AppContext, db: Db, caseId: string): Promise<Pathway | null> {
  const last = (await listPathwayChecks(db, caseId)).at(-1);
  if (last === undefined) return null;
  return withSubjectKey(
    ctx,
    subjectOf(caseId),
    (key) => chosenPathway(decryptPathwayCheck(key, last).check),
    db,
  );
}

const binding = (week: string) => ({ table: 'pathway_destination_counts', column: 'body', rowId: week });

function seal(key: DataKey, week: string, counts: Counts): Buffer {
  const text = JSON.stringify(counts);
  return encryptField(key, text.padEnd(Math.ceil((text.length + 1) / PAD) * PAD, ' '), binding(week));
}

function open(key: DataKey, week: string, body: Uint8Array): Counts {
  return JSON.parse(decryptFieldText(key, toBuffer(body), binding(week))) as Counts;
}

const cellKey = (team: string | null, p: Pathway) => `${team ?? ''}|${p.country}|${p.route}`;

/**
 * Moves one case of the week it was opened (`createdOn`) and team from one pathway to another
 * (null: none), in the caller's transaction; the week's row is locked for the change.
 */
export async function movePathway(
  ctx: AppContext,
  trx: Db,
  createdOn: string,
  team: string | null,
  from: Pathway | null,
  to: Pathway | null,
): Promise<void> {
  if (from?.country === to?.country && from?.route === to?.route) return;
  const week = mondayOf(createdOn);
  const key = await openOrCreateSubjectKey(trx, ctx.vault, DESTINATIONS_SUBJECT);
  try {
    await trx
      .insertInto('pathway_destination_counts')
      .values({ week, body_enc: seal(key, week, {}) })
      .onConflict((oc) => oc.column('week').doNothing())
      .execute();
    const row = await trx
      .selectFrom('pathway_destination_counts')
      .select('body_enc')
      .where('week', '=', week)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const counts = open(key, week, row.body_enc);
    if (from !== null) {
      const k = cellKey(team, from);
      const n = (counts[k] ?? 0) - 1;
      if (n > 0) counts[k] = n;
      else delete counts[k];
    }
    if (to !== null) counts[cellKey(team, to)] = (counts[cellKey(team, to)] ?? 0) + 1;
    await trx
      .updateTable('pathway_destination_counts')
      .set({ body_enc: seal(key, week, counts), updated_at: new Date() })
      .where('week', '=', week)
      .execute();
  } finally {
    key.dispose();
  }
}

/**
 * Cases opened in the weeks that begin in [from, to), by team and "country · route" of their
 * current pathway (reports). Needs the unsealed vault; answers nothing before the first count.
 */
export async function countPathwayDestinations(
  ctx: AppContext,
  db: Db,
  period: { from: string; to: string },
): Promise<TeamCount[]> {
  const rows = await db
    .selectFrom('pathway_destination_counts')
    .select(['week', 'body_enc'])
    .where('week', '>=', period.from)
    .where('week', '<', period.to)
    .execute();
  if (rows.length === 0) return [];
  const key = await openOrCreateSubjectKey(db, ctx.vault, DESTINATIONS_SUBJECT);
  try {
    const out = new Map<string, TeamCount>();
    for (const row of rows) {
      const week = typeof row.week === 'string' ? row.week : new Date(row.week).toISOString().slice(0, 10);
      for (const [cell, n] of Object.entries(open(key, week, row.body_enc))) {
        const [team = '', country = '', route = ''] = cell.split('|');
        const id = `${team}|${country} · ${route}`;
        const seen = out.get(id);
        if (seen === undefined)
          out.set(id, { team: team === '' ? null : team, key: `${country} · ${route}`, count: n });
        else seen.count += n;
      }
    }
    return [...out.values()];
  } finally {
    key.dispose();
  }
}
