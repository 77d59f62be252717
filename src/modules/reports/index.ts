/**
 * The face of reports (issue 19): staff dashboards, exports, public statistics with
 * differential privacy and the signed public release bundle. The small-cell protection
 * library lives in src/platform/disclosure.ts (ADR 0166: the ledger's donor report uses it and
 * reports reads the ledger); it is re-exported here for the modules that took it from here.
 */
export {
  DEFAULT_K,
  determinedCells,
  isSensitive,
  marginView,
  type Protect2DOptions,
  type Protected1D,
  type Protected2D,
  type ProtectOptions,
  protect1D,
  protect2D,
  rowView,
  suppressionGrid,
} from '../../platform/disclosure.ts';
export {
  cryptoRandom,
  discreteGaussian,
  discreteLaplace,
  type Fraction,
  parseFraction,
  type RandomSource,
} from './dp-sampler.ts';
export { type BudgetChange, budgets, setBudget } from './budget.service.ts';
export { type BundleVerification, verifyReleaseBundle } from './release-bundle.tsx';
export { reportsMessages } from './reports.messages.ts';
export { canPublishStatistics, canSeeDashboards, holdsTheCases } from './reports.policy.ts';
export { reportsRoutes } from './reports.routes.tsx';
export { REPORT_SOURCES, type ReportSource } from './reports.sources.ts';
export { getRelease, listReleases, makeRelease, type Release } from './statistics.service.ts';
