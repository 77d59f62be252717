/**
 * The pathways module's face (ADR 0110): the knowledge base and its eligibility engine, the
 * profile an applicant or a caseworker fills in, the signed content packs, the result view,
 * and the staff page on stale facts.
 */
export {
  type KnowledgeBase,
  loadKnowledgeBase,
  PathwaysContentError,
  readContentDir,
} from './content-loader.ts';
export { loadKeptContentPack, publishContentPack } from './content-pack.service.ts';
export {
  buildContentPack,
  ContentPackError,
  MAX_PACK_BYTES,
  openContentPack,
  type VerifiedPack,
} from './content-pack.ts';
export { countryChoices, countryLabel, ISO_COUNTRY_CODES, isCountryCode } from './countries.ts';
export { evaluatePathways, type PathwaysResult } from './engine.ts';
export { getKnowledgeBase } from './knowledge.ts';
export { pathwaysMessages } from './pathways.messages.ts';
export { canSeeContentStaleness } from './pathways.policy.ts';
export { pathwaysStaffRoutes } from './pathways.routes.tsx';
export {
  applicantTypes,
  type DocumentKind,
  documentKinds,
  type Fact,
  frontLocation,
  isoDateSchema,
  type Locale,
  localeSchema,
  optionKinds,
  type Profile,
  profileSchema,
  riskLevels,
  type Source,
  warningLevels,
} from './pathways.schemas.ts';
export { PathwaysResultView } from './pathways.views.tsx';
