import type { Selectable } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { FederationPacketsTable, FederationPeersTable } from '../../db/types.ts';

/** Typed SQL of the federation module's two tables. Plain functions; they never throw HTTP errors. */
export type PeerRow = Selectable<FederationPeersTable>;
export type PacketRow = Selectable<FederationPacketsTable>;

export async function insertPeer(
  db: Db,
  row: Pick<
    PeerRow,
    'id' | 'label' | 'endpoint' | 'signing_key' | 'encryption_key' | 'fingerprint' | 'state' | 'added_by'
  >,
): Promise<void> {
  await db.insertInto('federation_peers').values(row).execute();
}

export async function findPeerById(db: Db, id: string): Promise<PeerRow | undefined> {
  return db.selectFrom('federation_peers').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findPeerByFingerprint(db: Db, fingerprint: string): Promise<PeerRow | undefined> {
  return db
    .selectFrom('federation_peers')
    .selectAll()
    .where('fingerprint', '=', fingerprint)
    .executeTakeFirst();
}

export async function listPeerRows(db: Db): Promise<PeerRow[]> {
  return db.selectFrom('federation_peers').selectAll().orderBy('created_at').orderBy('id').execute();
}

/** Moves a peer from `from` to `to`; returns how many rows changed (0: not in that state). */
export async function setPeerState(
  db: Db,
  id: string,
  from: readonly PeerRow['state'][],
  to: 'verified' | 'revoked',
  by: string,
): Promise<number> {
  const result = await db
    .updateTable('federation_peers')
    .set(
      to === 'verified'
        ? { state: 'verified', verified_by: by, verified_at: new Date() }
        : { state: 'revoked', revoked_at: new Date() },
    )
    .where('id', '=', id)
    .where('state', 'in', from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function insertPacket(
  db: Db,
  row: Pick<PacketRow, 'id' | 'direction' | 'kind' | 'peer_id' | 'state' | 'body_hash'> &
    Partial<Pick<PacketRow, 'local_ref' | 'remote_ref' | 'case_id' | 'body' | 'receipt'>>,
): Promise<void> {
  await db.insertInto('federation_packets').values(row).execute();
}

export async function findPacketById(db: Db, id: string): Promise<PacketRow | undefined> {
  return db.selectFrom('federation_packets').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function lockPacket(db: Db, id: string): Promise<PacketRow | undefined> {
  return db.selectFrom('federation_packets').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

/**
 * A referral between this server and `peerId` by its reference: an incoming one by the peer's
 * reference (`remote_ref`), an outgoing one by ours (`local_ref`).
 */
export async function findReferral(
  db: Db,
  peerId: string,
  direction: 'in' | 'out',
  ref: string,
): Promise<PacketRow | undefined> {
  return db
    .selectFrom('federation_packets')
    .selectAll()
    .where('peer_id', '=', peerId)
    .where('direction', '=', direction)
    .where('kind', '=', 'referral')
    .where(direction === 'in' ? 'remote_ref' : 'local_ref', '=', ref)
    .executeTakeFirst();
}

/** The incoming referral a case was filed from (locked for an answer with `forUpdate`). */
export async function findIncomingReferralOfCase(
  db: Db,
  caseId: string,
  forUpdate = false,
): Promise<PacketRow | undefined> {
  let q = db
    .selectFrom('federation_packets')
    .selectAll()
    .where('case_id', '=', caseId)
    .where('direction', '=', 'in')
    .where('kind', '=', 'referral');
  if (forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

export async function markPacket(
  db: Db,
  id: string,
  change: { state: 'delivered'; receipt: string } | { state: 'failed' },
): Promise<void> {
  await db
    .updateTable('federation_packets')
    .set(
      change.state === 'delivered'
        ? { state: 'delivered', receipt: change.receipt, delivered_at: new Date() }
        : { state: 'failed' },
    )
    .where('id', '=', id)
    .execute();
}

export interface PacketListRow {
  id: string;
  kind: PacketRow['kind'];
  state: PacketRow['state'];
  peerLabel: string;
  localRef: string | null;
  remoteRef: string | null;
  caseId: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

export async function listPacketRows(
  db: Db,
  direction: 'in' | 'out',
  limit: number,
): Promise<PacketListRow[]> {
  return db
    .selectFrom('federation_packets as p')
    .innerJoin('federation_peers as peer', 'peer.id', 'p.peer_id')
    .select([
      'p.id',
      'p.kind',
      'p.state',
      'peer.label as peerLabel',
      'p.local_ref as localRef',
      'p.remote_ref as remoteRef',
      'p.case_id as caseId',
      'p.created_at as createdAt',
      'p.delivered_at as deliveredAt',
    ])
    .where('p.direction', '=', direction)
    .orderBy('p.created_at', 'desc')
    .orderBy('p.id')
    .limit(limit)
    .execute();
}

/** The answer recorded on an incoming referral (the last status sent back, or `withdrawn`). */
export async function setIncomingAnswer(
  db: Db,
  packetId: string,
  answer: NonNullable<PacketRow['answer']>,
): Promise<void> {
  await db.updateTable('federation_packets').set({ answer }).where('id', '=', packetId).execute();
}

/** The verified peers, by label: what a `sanctuary_server` partner may be. */
export async function listVerifiedPeerRows(db: Db): Promise<PeerRow[]> {
  return db
    .selectFrom('federation_peers')
    .selectAll()
    .where('state', '=', 'verified')
    .orderBy('label')
    .orderBy('id')
    .execute();
}
