/** The admin module's face (ADR 0110): its page, and the local admin channel server.ts starts. */

export { adminRoutes } from './admin.routes.tsx';
export {
  checkpointFilePath,
  startAdminChannel,
  verifyAudit,
  verifyLedgerFor,
  writeCheckpoint,
} from './admin-channel.ts';
export { requestAuthPolicy, requestSecondFactorReset } from './staff-acts.ts';
export { requestKeyRotation, rotateWithApproval } from './key-rotation-act.ts';
