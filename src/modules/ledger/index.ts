/**
 * The assistance ledger's public face (issue 15, ADR 0119): what other modules, the CLI and
 * the admin channel may use. Everything else in this folder is the module's own.
 */
export { JOB_EXPIRE_PENDING, ledgerJobHandlers, scheduleLedgerExpiry } from './ledger.jobs.ts';
export { type DonorReport, getDonorReport, setBudgetTerms } from './ledger.donor-report.ts';
export { exportBalancesCsv, exportTransfersCsv } from './ledger.exports.ts';
export { canKeepLedger } from './ledger.policy.ts';
export {
  convertAmount,
  convertFunds,
  type LedgerConversion,
  type LedgerRate,
  rateOn,
  recordRate,
} from './ledger.rates.ts';
export { ledgerStatementUploadRoutes } from './ledger.finance.routes.tsx';
export {
  getReconciliation,
  importStatement,
  matchLineByHand,
  saveStatementMapping,
  unmatchLine,
} from './ledger.reconcile.ts';
export { ledgerRoutes } from './ledger.routes.tsx';
export { MAX_AMOUNT, type OpenAccountInput, type TransferInput } from './ledger.schemas.ts';
export {
  addCurrency,
  createTransfer,
  expirePendingTransfers,
  getAccounts,
  getCurrencies,
  getTransfer,
  type LedgerAccount,
  type LedgerTransfer,
  openAccount,
  postTransfer,
  reverseTransfer,
  voidTransfer,
} from './ledger.service.ts';
export {
  checkpointLedgerIfMoved,
  createLedgerCheckpoint,
  type LedgerCheckpoint,
  type LedgerVerification,
  ledgerCheckpointSignatureValid,
  verifyLedger,
} from './ledger.verify.ts';
export {
  createTransfers,
  type ItemOutcome,
  postTransfers,
  voidTransfers,
} from './ledger.multi.ts';
export { missingForPost, tierFor } from './ledger.approval-rules.ts';
export {
  approveDisbursement,
  denyDisbursement,
  getApprovalQueue,
  getCasePayments,
  getDisbursement,
  getThresholds,
  postDisbursement,
  requestDisbursement,
  revealPaymentDetails,
  setThresholds,
  signOffDisbursement,
  voidDisbursement,
} from './ledger.disbursements.ts';
export {
  addScheduleItem,
  createRewardClaim,
  getRewardClaims,
  getRewardSchedule,
  verifyReward,
} from './ledger.rewards.ts';
export { getVettingView, recordAuthenticitySignal } from './ledger.signoff.ts';
export { type DisbursementTotal, disbursementTotals } from './ledger.statistics.ts';
