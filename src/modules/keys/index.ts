/**
 * The keys module's face: what other modules may use. Subject keys ("case:<id>", "staff:<id>",
 * "vetting", …) are created, opened and disposed only through these functions.
 */
export {
  createSubjectKey,
  insertSubjectKeys,
  openOrCreateSubjectKey,
  openSubjectKey,
  openSubjectKeys,
  setSubjectKeyOpenHook,
  withNewSubjectKey,
  withSubjectKey,
  withSubjectKeys,
  wrapNewSubjectKey,
} from './keys.service.ts';
