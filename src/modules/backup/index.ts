/** The backup module's face (ADR 0110, 0113): one encrypted archive out, and back in. */
export {
  BackupError,
  type BackupProblem,
  type BackupSummary,
  parseIdentities,
  type RestoreSummary,
  type RestoreTarget,
  readIdentityFile,
  restoreBackup,
  writeBackup,
} from './backup.service.ts';
