/**
 * The audit module's face (ADR 0110): what other modules may use. The log is written and
 * read only through these functions; each takes the caller's transaction or database.
 */
export {
  type AuditCheckpoint,
  type AuditEvent,
  type AuditVerification,
  appendCheckpointFile,
  auditCheckpointSignatureValid,
  checkAuditRecord,
  countAuditActionsByActor,
  countAuditActionsByTarget,
  countAuditEntries,
  createAuditCheckpoint,
  findAuditEntriesForTarget,
  listAuditEntriesSince,
  listStoredCheckpoints,
  readCheckpointFile,
  recordAudit,
  recordAuditBatch,
  type SignedRecord,
  signAuditRecord,
  verifyAuditChain,
} from './audit.service.ts';
export { type AuditTrust, auditTrust, pushToWitnesses } from './audit-witness.ts';
export { type AuditPageFilter, listAuditPage } from './audit.repository.ts';
export { AUDIT_ACTIONS, type AuditAction } from './audit-actions.ts';
export {
  auditActionLabel,
  auditActorLabel,
  auditAreaLabel,
  auditText,
  NAMED_AUDIT_ACTIONS,
} from './audit-labels.ts';
