/**
 * The keys module's face (ADR 0110): what other modules may use. Everything else in this
 * folder is internal; test/boundaries.test.ts fails on an import that bypasses this file.
 */

export { approveHandoff, fleetWatcherOf, handoffStatus, startFleetWatcher } from './fleet.ts';
export {
  createSubjectKey,
  destroySubjectKey,
  initShamirKeys,
  insertSubjectKeys,
  openOrCreateSubjectKey,
  openSubjectKey,
  openSubjectKeys,
  rotateRootKey,
  sealServer,
  setSubjectKeyOpenHook,
  submitUnsealShare,
  type UnsealProgress,
  unsealWithDevKey,
  withNewSubjectKey,
  withSubjectKey,
  withSubjectKeys,
  wrapNewSubjectKey,
} from './keys.service.ts';
export { type SealStatus, Vault } from './vault.ts';
