/**
 * Test helpers for family tracing (not imported by production code): a family case and a
 * sought person's case with requests and proposals in every state, written as the tracing
 * service writes them (details encrypted under the family case's key), without its checks.
 */
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../src/context.ts';
import { encryptField } from '../../src/crypto/index.ts';
import { withSubjectKey } from '../../src/modules/keys/index.ts';
import {
  insertConsent,
  insertProposalIfNew,
  insertRequest,
} from '../../src/modules/tracing/tracing.repository.ts';
import { buildCase } from './factories.ts';

export interface TracingFixture {
  familyRef: string;
  soughtRef: string;
  /** An open request with a proposal not yet decided. */
  proposed: string;
  /** A confirmed proposal without an answer. */
  confirmed: string;
  /** A confirmed proposal whose sought person consented to messages. */
  consented: string;
  /** An open request (for rematch and close). */
  requestId: string;
}

/** One family case and one sought case, both assigned to `assigneeId`, with proposals in every state. */
export async function buildTracingFixture(
  ctx: AppContext,
  assigneeId: string | null,
): Promise<TracingFixture> {
  const family = await buildCase(ctx, {
    applicantType: 'family',
    assigneeId,
    person: { documents: [], family: [] },
  });
  const sought = await buildCase(ctx, {
    assigneeId,
    person: {
      givenNameLatin: 'Pavel',
      familyNameLatin: 'Orlov',
      birthDate: '1990-01-02',
      documents: [],
      family: [],
    },
  });
  const db = ctx.database.db;
  const details = {
    sought: {
      familyName: 'Орлов',
      givenName: 'Павел',
      patronymic: '',
      birthDate: '1990-01-02',
      unit: '',
      lastPlace: '',
      lastContact: '',
    },
    relationship: 'mother',
    safeContact: '',
    lang: 'en',
  };
  const ids: string[] = [];
  await withSubjectKey(ctx, `case:${family.id}`, async (key) => {
    for (const state of ['proposed', 'confirmed', 'consented', 'open'] as const) {
      const requestId = randomUUID();
      await insertRequest(db, {
        id: requestId,
        case_id: family.id,
        source: 'staff',
        details_enc: encryptField(key, JSON.stringify(details), {
          table: 'tracing_requests',
          column: 'details',
          rowId: requestId,
        }),
      });
      if (state === 'open') {
        ids.push(requestId);
        continue;
      }
      const proposalId = randomUUID();
      await insertProposalIfNew(db, {
        id: proposalId,
        request_id: requestId,
        case_id: sought.id,
        other_request_id: null,
        score: 0.99,
        detail_enc: encryptField(
          key,
          JSON.stringify({ probability: 0.99, swappedNames: false, fields: [], sharedKeys: [] }),
          { table: 'tracing_proposals', column: 'detail', rowId: proposalId },
        ),
      });
      if (state !== 'proposed') {
        await db
          .updateTable('tracing_proposals')
          .set({ status: 'confirmed' })
          .where('id', '=', proposalId)
          .execute();
      }
      if (state === 'consented') {
        await insertConsent(db, {
          id: randomUUID(),
          proposal_id: proposalId,
          case_id: sought.id,
          status: 'given',
          method: 'phone',
          allows: ['alive', 'message'],
          message_enc: null,
          contact_enc: null,
          recorded_by: null,
        });
      }
      ids.push(proposalId);
    }
  });
  const [proposed, confirmed, consented, requestId] = ids as [string, string, string, string];
  return { familyRef: family.ref, soughtRef: sought.ref, proposed, confirmed, consented, requestId };
}
