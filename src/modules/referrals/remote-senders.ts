/**
 * The seam to referrals between Sanctuary servers (issue 14 item 5, built by the federation
 * module). A partner of kind `sanctuary_server` is another organisation's Sanctuary: sending a
 * referral to it does not put a packet in this server's partner portal but hands the packet to
 * the registered sender, which encrypts, signs and delivers it. This module never imports the
 * federation module; the composition root registers it (`registerRemoteReferralSender`), and
 * status changes coming back are applied with `applyRemoteReferralStatus` from this face.
 */
export interface RemoteReferral {
  referralId: string;
  partnerId: string;
  /** The packet: only the consented, allow-listed fields (see PACKET_FIELDS). */
  packet: Readonly<Record<string, unknown>>;
  respondBy: string | null;
}

export interface RemoteReferralSender {
  /**
   * Delivers (or queues for delivery, idempotently by referralId) the packet to the partner
   * server, inside the caller's transaction `trx` when it writes. Throws to refuse the send:
   * the referral then stays unsent.
   */
  send(trx: unknown, referral: RemoteReferral): Promise<void>;
  /** Tells the partner server the referral was withdrawn (its access ends). */
  withdraw(trx: unknown, referralId: string, partnerId: string): Promise<void>;
}

let remoteSender: RemoteReferralSender | undefined;

/** Registers the sender for `sanctuary_server` partners (one per process; a second replaces the first). */
export function registerRemoteReferralSender(sender: RemoteReferralSender | undefined): void {
  remoteSender = sender;
}

export function remoteReferralSender(): RemoteReferralSender | undefined {
  return remoteSender;
}
