/**
 * The evidence module's face (ADR 0110; issue 16): evidence items with their arrival hashes
 * and untouched originals, their chain of custody, structured testimony, consent per
 * destination and verifiable BagIt bundles. The upload hook joins the intake module's runtime
 * when the app is built.
 */
import type { AppContext } from '../../context.ts';
import { registerUploadArrival } from '../intake/index.ts';
import { evidenceUploadObserver } from './evidence.service.ts';

export {
  type CustodyVerification,
  captureMessage,
  listCaseEvidence,
  openOriginal,
  readCustody,
  recordCustodyEvent,
  verifyCustody,
} from './evidence.service.ts';

export { type Bag, writeBag } from './bag.ts';
export { type BundleVerification, readBag, verifyBag, verifyBundle } from './bundle-verify.ts';
export { consentGrid, DESTINATIONS, recordConsent } from './consent.service.ts';
export {
  type ExportBlock,
  ExportBlocked,
  evidencePublicKey,
  exportBundle,
  writeBagTo,
} from './export.service.ts';
export {
  confirmTestimony,
  editTestimony,
  readTestimony,
  recordTestimony,
  type TestimonyFields,
} from './testimony.service.ts';
export { evidenceRoutes, evidenceUploadRoutes } from './evidence.routes.tsx';
export {
  confirmRedaction,
  prepareImageRedaction,
  prepareRedaction,
  readRedaction,
} from './redaction.service.ts';
export { addLink, itemLinks, LINK_KINDS, listLinked, listLinkedFrom, removeLink } from './links.service.ts';

/** Registers the upload hook with the intake module (app.ts, once per app). */
export function evidenceUploadHook(ctx: AppContext): void {
  registerUploadArrival(ctx, evidenceUploadObserver(ctx));
}
