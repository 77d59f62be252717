/**
 * The linkage module's face (ADR 0110): the record linkage engine (pure, no database), as the
 * vetting module and `sanctuary link` use it. Benchmarks and this module's tests reach the
 * internals directly.
 */
export { BLOCK_LEVELS, KEYS_PER_RECORD } from './blocking.ts';
export {
  blockingTokenOf,
  type ClkHardening,
  type ClkRecord,
  createClkEncoder,
  type EncodingHeader,
  encodingHeader,
  exportEncoding,
  importEncodings,
} from './clk.ts';
export { popcountBits } from './dice.ts';
export { nameGroupsOfKey } from './diminutives.ts';
export {
  defaultModel,
  type FieldContribution,
  type LabelledPair,
  type LinkageModel,
} from './fellegi-sunter.ts';
export {
  BLOCKING_KEY_NAMES,
  type BlockingKeyName,
  blendModelWithLabels,
  blockingSlot,
  compareWithCandidates,
  fieldIndex,
  isLinkageModel,
  personBlockingKeys,
  scorePrivate,
  topLevel,
} from './in-app.ts';
export { createLinker, type LinkMode, type LinkResult } from './link.ts';
export { isPatronymicKey } from './names.ts';
export { normalizePhone } from './phone.ts';
export { type PersonRecord, RecordError, RecordStore, validateRecord } from './record-store.ts';
export { matchKey } from './transliterate.ts';
