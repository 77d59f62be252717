import type { Db } from '../../db/database.ts';
import type { StaffRoleName } from '../../db/types.ts';
import { queueScope } from './cases.service.ts';

/**
 * What bench/workspace.bench.ts needs to EXPLAIN the queue queries on a database handle of
 * its own (one that records the SQL): the repository's queue query and an actor's scope.
 */
export { listQueuePage } from './cases.repository.ts';

export async function queueScopeFor(db: Db, staffId: string, role: StaffRoleName) {
  return queueScope(db, { kind: 'staff', id: staffId, role, sessionHash: Buffer.alloc(32) });
}
