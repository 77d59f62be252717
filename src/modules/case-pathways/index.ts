/**
 * The face of case pathways: "check pathways" on a case (the routes under
 * /staff/cases/:ref/pathways) and its saved checks, which join the case timeline through the
 * case core's registry (registered when this module loads, case-pathways.timeline.tsx).
 */
export { countPathwayDestinations } from './case-pathways.destinations.ts';
export { casePathwaysMessages } from './case-pathways.messages.ts';
export { casePathwaysRoutes } from './case-pathways.routes.tsx';
export { pathwayChecksTimeline } from './case-pathways.timeline.tsx';
export { latestPathwayDestinations } from './case-pathways.service.ts';
export { countPathwayChecksByWeek } from './case-pathways.statistics.ts';
export { savePathwaysCheck } from './case-pathways.service.ts';
