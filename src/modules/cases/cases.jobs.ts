import { sql } from 'kysely';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import { encryptLegacyGrantTexts } from '../case-access/index.ts';
import type { JobHandler } from '../jobs/index.ts';
import { enqueueJob } from '../jobs/index.ts';
import { withSubjectKeys } from '../keys/index.ts';
import { decryptPerson } from './case-file.service.ts';
import { subjectOf } from './case-helpers.ts';
import { personIndexEntries } from './case-search.ts';
import { listPersonsAfter, replacePersonIndex } from './cases.repository.ts';

/**
 * Background work of the cases module. `cases.reindex_person_search` recomputes every
 * person's search index entries, one page of cases per run, queueing the next page: for
 * index terms added after cases were written (the diminutive name groups, ADR 0071). The
 * migration that added them queues the first page when cases exist. Idempotent: a page run
 * twice writes the same entries.
 */
export const JOB_REINDEX_PERSON_SEARCH = 'cases.reindex_person_search';
const PAGE = 200;

/**
 * The job a new or changed person queues, in the caller's transaction (the person write and
 * its job commit together; issue 6). One waiting job per case: the job reads current data.
 * The vetting module registers its handler (record linkage); the case core does not import it.
 */
export const JOB_PERSON_CHANGED = 'linkage.person';

export async function enqueuePersonChanged(trx: Db, caseId: string): Promise<void> {
  await enqueueJob(trx, {
    kind: JOB_PERSON_CHANGED,
    payload: { caseId },
    dedupeKey: `${JOB_PERSON_CHANGED}:${caseId}`,
  });
  for (const listener of personChangedListeners) await listener(trx, caseId);
}

/**
 * Who else queues work when a person is created or changed (family tracing re-matches open
 * requests, ADR 0162), in the same transaction. Registered by the composition root (app.ts);
 * the case core never imports them. Registering the same function twice is a no-op.
 */
export type PersonChangedListener = (trx: Db, caseId: string) => Promise<void>;
const personChangedListeners = new Set<PersonChangedListener>();

export function onPersonChanged(listener: PersonChangedListener): void {
  personChangedListeners.add(listener);
}
/**
 * Folds the report summaries' delta rows into one row per cell (ADR 0206), hourly. Without it
 * the dashboards stay exact (readers add up `n`) but read more rows as changes accumulate.
 */
export const JOB_COMPACT_REPORT_SUMMARIES = 'cases.compact_report_summaries';
const COMPACT_EVERY_MS = 60 * 60_000;

export async function scheduleReportCompaction(db: Db, runAfter: Date): Promise<void> {
  await enqueueJob(db, {
    kind: JOB_COMPACT_REPORT_SUMMARIES,
    payload: {},
    dedupeKey: JOB_COMPACT_REPORT_SUMMARIES,
    runAfter,
  });
}

/** Runs one compaction; answers how many cells now hold one row after holding several. */
export async function compactReportSummaries(db: Db): Promise<number> {
  const { rows } = await sql<{ folded: number }>`select case_report_compact() as folded`.execute(db);
  return Number(rows[0]?.folded ?? 0);
}

/** Encrypts break-glass reasons and review notes written in clear before ADR 0087. */
export const JOB_ENCRYPT_LEGACY_FREE_TEXT = 'cases.encrypt_legacy_free_text';

export function casesJobHandlers(ctx: AppContext): JobHandler<unknown>[] {
  const reindex: JobHandler<{ after: string | null }> = {
    kind: JOB_REINDEX_PERSON_SEARCH,
    needsKeys: true,
    parse: (payload) => z.object({ after: z.uuid().nullable().default(null) }).parse(payload),
    run: async ({ after }) => {
      await reindexPersonSearchPage(ctx, after);
    },
  };
  // Queued by migration 20261206T0200_free_text_encrypted when plaintext grants exist (ADR 0087).
  const legacyFreeText: JobHandler<unknown> = {
    kind: JOB_ENCRYPT_LEGACY_FREE_TEXT,
    needsKeys: true,
    parse: (payload) => payload,
    run: async () => {
      while ((await encryptLegacyGrantTexts(ctx)) > 0) {
        // one page per transaction, until none is left
      }
    },
  };
  const compact: JobHandler<Record<string, never>> = {
    kind: JOB_COMPACT_REPORT_SUMMARIES,
    needsKeys: false,
    parse: (payload) => z.object({}).strict().parse(payload) as Record<string, never>,
    run: async () => {
      await compactReportSummaries(ctx.database.db);
      await scheduleReportCompaction(ctx.database.db, new Date(Date.now() + COMPACT_EVERY_MS));
    },
  };
  return [reindex as JobHandler<unknown>, legacyFreeText, compact as JobHandler<unknown>];
}

/** Re-indexes one page of cases after `after` (by id); returns the last id, or null at the end. */
export async function reindexPersonSearchPage(ctx: AppContext, after: string | null): Promise<string | null> {
  const keyring = ctx.vault.requireKeyring();
  return ctx.database.db.transaction().execute(async (trx) => {
    const rows = await listPersonsAfter(trx, after, PAGE);
    await withSubjectKeys(
      ctx,
      rows.map((r) => subjectOf(r.id)),
      async (keys) => {
        for (const row of rows) {
          const key = keys.get(subjectOf(row.id));
          if (key === undefined) continue; // a case whose key was destroyed (erased) has nothing to index
          await replacePersonIndex(trx, row.id, personIndexEntries(keyring, decryptPerson(key, row)));
        }
      },
      trx,
    );
    const last = rows.at(-1)?.id ?? null;
    if (rows.length === PAGE && last !== null) {
      await enqueueJob(trx, {
        kind: JOB_REINDEX_PERSON_SEARCH,
        payload: { after: last },
        dedupeKey: `${JOB_REINDEX_PERSON_SEARCH}:${last}`,
      });
    }
    return rows.length === PAGE ? last : null;
  });
}
