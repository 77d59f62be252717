import type { Actor } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';

/**
 * The seam to referrals between Sanctuary servers (issue 14 item 5, ADRs 0130 and 0163). A
 * partner of kind `sanctuary_server` is another organisation's Sanctuary, a verified peer of
 * the federation module (`partners.peer_id`): sending a referral to it does not put a packet in
 * this server's partner portal but hands the packet to the registered sender, which seals,
 * signs and queues it. This module never imports the federation module; the composition root
 * (`src/app.ts`) registers it, and status changes coming back are applied with
 * `applyRemoteReferralStatus` from this face. Every method takes the server's context, so two
 * servers in one process (the two-server tests) each use their own keys and database.
 */
export interface RemoteReferral {
  referralId: string;
  /** The verified peer the partner is. */
  peerId: string;
  /** The packet: only the consented, allow-listed fields (see PACKET_FIELDS). */
  packet: Readonly<Record<string, unknown>>;
  consent: { fields: readonly string[]; on: string; via: string };
  respondBy: string | null;
}

/** A case this server filed from another server's referral, as the referrals page shows it. */
export interface IncomingReferralView {
  peerLabel: string;
  fingerprint: string;
  theirRef: string;
  answer: string | null;
  receivedAt: Date;
  /** The answers that may follow now (none once declined, completed or withdrawn). */
  next: readonly RemoteAnswer[];
}

export type RemoteAnswer = 'accepted' | 'declined' | 'in_progress' | 'completed';
export const REMOTE_ANSWERS: readonly RemoteAnswer[] = ['accepted', 'declined', 'in_progress', 'completed'];

export interface RemoteReferralSender {
  /**
   * Queues the packet for delivery to the peer (idempotently by referralId), inside the
   * caller's transaction `trx`. Throws to refuse the send: the referral then stays unsent.
   */
  send(ctx: AppContext, trx: Db, actor: Actor, referral: RemoteReferral): Promise<void>;
  /** Tells the peer the referral was withdrawn (a signed status packet, queued in `trx`). */
  withdraw(ctx: AppContext, trx: Db, actor: Actor, referralId: string, peerId: string): Promise<void>;
  /** The peers a `sanctuary_server` partner may be: verified ones only. */
  peers(ctx: AppContext, db: Db): Promise<Array<{ id: string; label: string; fingerprint: string }>>;
  /** Where a case came from when another server referred it (undefined otherwise). */
  incoming(ctx: AppContext, db: Db, caseId: string): Promise<IncomingReferralView | undefined>;
  /** Answers a referral that arrived (the case is authorised by the caller), in `trx`. */
  answer(
    ctx: AppContext,
    trx: Db,
    actor: Actor,
    input: { caseId: string; status: RemoteAnswer; note: string },
  ): Promise<void>;
}

let remoteSender: RemoteReferralSender | undefined;

/** Registers the sender for `sanctuary_server` partners (one per process; a second replaces the first). */
export function registerRemoteReferralSender(sender: RemoteReferralSender | undefined): void {
  remoteSender = sender;
}

export function remoteReferralSender(): RemoteReferralSender | undefined {
  return remoteSender;
}
