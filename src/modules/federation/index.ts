/**
 * The federation module's face (issue 14 item 5, ADRs 0131-0133): referrals between Sanctuary
 * servers. The referrals module sends with `sendRemoteReferral` / `sendRemoteStatus` and hears
 * status updates through `onRemoteStatus`; a referral that arrives is filed as a new case
 * through the cases face. Everything else in this folder is the module's own.
 */
export { federationApiRoutes } from './federation.api.ts';
export { federationJobHandlers } from './federation.jobs.ts';
export { canManageFederation, canSendRemote } from './federation.policy.ts';
export { federationRoutes } from './federation.routes.tsx';
export {
  PROTOCOL_VERSION,
  REFUSALS,
  REMOTE_STATUSES,
  type RefusalCode,
  type RemoteStatus,
  type SignedReceipt,
} from './federation.protocol.ts';
export {
  answerIncomingReferral,
  exportPacket,
  findVerifiedPeer,
  getIdentityCard,
  httpTransport,
  type IdentityCard,
  type ImportOutcome,
  importPacket,
  importPacketFile,
  ownIdentity,
  INCOMING_ANSWERS,
  type IncomingAnswer,
  type IncomingReferral,
  incomingReferralOfCase,
  isVerifiedPeer,
  onRemoteStatus,
  type PacketTransport,
  type RemoteReferralInput,
  type RemoteStatusHandler,
  type RemoteStatusInput,
  type RemoteStatusUpdate,
  sendRemoteReferral,
  sendRemoteStatus,
  type VerifiedPeer,
  verifiedPeerChoices,
} from './federation.service.ts';
