import type { AppContext } from '../../context.ts';
import { recordAudit } from '../audit/index.ts';
import { findCasePerson } from '../cases/index.ts';
import { blendModelWithLabels, defaultModel, type LabelledPair, RecordStore } from '../linkage/index.ts';
import { personRecordOf } from './person-linkage.service.ts';
import { insertModel, listLabels } from './vetting.repository.ts';

/**
 * Estimates the in-app model's m and u from the vetting officers' decisions (the
 * `linkage.estimate` job, queued a minute after each decision that labels a pair).
 *
 * Each labelled pair's two persons are decrypted (they are pairs an officer has already
 * compared), compared field by field, and the level counts are blended with the prior model
 * (`blendModelWithLabels`, strength PRIOR_STRENGTH pseudo-pairs per field). The result is
 * stored in `linkage_models`; the next `linkage.person` job scores with it. Without labels
 * nothing is stored and the prior stays in use.
 */
export const PRIOR_STRENGTH = 50;
const MAX_LABELS = 5_000;

export async function estimateModelFromDecisions(
  ctx: AppContext,
): Promise<{ matches: number; nonMatches: number } | null> {
  ctx.vault.requireKeyring();
  const db = ctx.database.db;
  const labels = await listLabels(db, MAX_LABELS);
  if (labels.length === 0) return null;
  const store = new RecordStore();
  const index = new Map<string, number>();
  const indexOf = async (caseId: string): Promise<number | undefined> => {
    const known = index.get(caseId);
    if (known !== undefined) return known;
    const found = await findCasePerson(ctx, db, caseId);
    if (found === undefined) return undefined;
    const i = store.add(personRecordOf(found.id, found.person));
    index.set(caseId, i);
    return i;
  };
  const pairs: LabelledPair[] = [];
  for (const l of labels) {
    const a = await indexOf(l.case_a);
    const b = await indexOf(l.case_b);
    if (a !== undefined && b !== undefined) pairs.push({ a, b, match: l.match });
  }
  const model = blendModelWithLabels(store, pairs, defaultModel(), PRIOR_STRENGTH);
  const matches = pairs.filter((p) => p.match).length;
  const nonMatches = pairs.length - matches;
  await db.transaction().execute(async (trx) => {
    await insertModel(trx, { model: JSON.stringify(model), matches, non_matches: nonMatches });
    await recordAudit(trx, {
      actor: 'system',
      action: 'linkage.model_estimate',
      target: null,
      reason: `${matches} same-person and ${nonMatches} different-person labels; ${index.size} persons decrypted`,
    });
  });
  return { matches, nonMatches };
}
