/**
 * The outreach module's face (issue 20): the guides as content, the mirrorable static site and
 * its signed copies.
 */

export {
  ARRIVAL_CODE,
  ArrivalCounter,
  type ArrivalRow,
  arrivalCounts,
  isoWeekStart,
  registerArrivalCounting,
} from './outreach.arrivals.ts';
export {
  type CopyVerification,
  MAX_COPY_BYTES,
  readCopy,
  SIGNATURE_FILE,
  signSite,
  verifyCopy,
  zipSite,
} from './outreach.bundle.ts';
export {
  defaultOutreachDir,
  type GuideText,
  guideFor,
  loadOutreachContent,
  type OutreachContent,
  OutreachContentError,
  staleGuides,
} from './outreach.content.ts';
export {
  type LeafletInput,
  type LeafletSize,
  type LeafletVariant,
  renderLeaflet,
} from './outreach.leaflet.ts';
export {
  type IntakeAddresses,
  intakeLinks,
  MAX_PAGE_BYTES,
  renderSite,
  type SiteFile,
} from './outreach.site.tsx';
