/**
 * The witness module's face (issue 18 item 4, ADR 0175): signed audit and ledger checkpoints
 * pushed to other organisations' Sanctuary servers, which countersign and keep them; this
 * server witnessing its peers the same way; and the fork alarm when two different signed
 * checkpoints exist for one log and sequence number.
 */
export { witnessApiRoutes } from './witness.api.ts';
export { JOB_WITNESS_SILENCE_CHECK, scheduleSilenceCheck, witnessJobHandlers } from './witness.jobs.ts';
export { type Countersignature, WITNESS_API_PATH } from './witness.protocol.ts';
export {
  acknowledgeFork,
  canAcknowledgeForks,
  canSeeForks,
  compareWithWitnesses,
  exportCopies,
  type ForkView,
  JOB_WITNESS_PUSH,
  listAllForks,
  listOpenForks,
  pushCheckpoint,
  queueWitnessPushes,
  raiseFork,
  receiveCheckpoint,
  registerWitnessMetrics,
  SELF,
  type WitnessComparison,
  type WitnessedCheckpoint,
  type WitnessTransport,
} from './witness.service.ts';
export {
  acknowledgeSilence,
  checkSilences,
  listAllSilences,
  listOpenSilences,
  type SilenceView,
  silenceWindowMs,
} from './witness.silence.ts';
export { witnessMessages } from './witness.messages.ts';
export { SilenceAlarm } from './witness.views.tsx';
