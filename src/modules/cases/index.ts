/**
 * The face of the case core: what other modules may use. The case file and its actions
 * (creation, the case page, status, assignment, person and intake edits, notes, replies,
 * applicant messages, tasks), the queue, search, exports and jobs, with their routes.
 * Case access (authorisation, teams, break-glass, approvals) is its own module
 * (`../case-access/index.ts`), and so is case pathways (`../case-pathways/index.ts`).
 */

/** Hooks on new cases, applicant messages and restriction, in the event's transaction (ADR 0187). */
export { type CaseActivityListener, onCaseActivity } from './case-activity.ts';
export { exportCaseSummary, requestBulkExport } from './case-export.service.ts';
export {
  type ExtensionTimelineBase,
  type ExtensionTimelineItem,
  registerCaseAnswersText,
  registerCaseAnswersView,
  registerCasePageLink,
  registerCasePageNotice,
  registerTimelineSource,
  type TimelineExtensions,
  type TimelineSource,
} from './case-extensions.ts';
export {
  type CaseFile,
  type CasePage,
  findCasePerson,
  getCaseFile,
  getCasePage,
  readCase,
  readPerson,
  type TimelineItem,
} from './case-file.service.ts';
export { newCaseRef, subjectOf, today } from './case-helpers.ts';
/** The home page's reads and the notifications' scope check (issue 21 item 3, ADR 0187). */
export { type HomeCases, listCaseRefsInScope, listHomeCases } from './case-home.ts';
export { insertNewCases, type SealedNewCase, sealNewCase } from './case-intake.ts';
export {
  type ApplicantMessage,
  addApplicantMessage,
  addNote,
  addReply,
  addServiceReply,
  addTask,
  completeTask,
  listApplicantVisibleMessages,
} from './case-messages.service.ts';
export { searchCases, searchCaseText } from './case-search.service.ts';
export { indexValue, normaliseDocumentNumber, personIndexEntries, personSearchTerms } from './case-search.ts';
export {
  type CaseDimension,
  countCasesClosedByWeek,
  countCasesOpened,
  countFurthestStage,
  countOverdueTasks,
  durationsInState,
  durationsToSafety,
  FUNNEL_STAGES,
  mondayOf,
  type StatisticsPeriod,
  type TeamCount,
  type TeamDuration,
} from './case-statistics.ts';
export {
  CASE_STATUSES,
  type CaseStatus,
  CLOSING_REASONS,
  isCaseStatus,
  OPEN_STATUSES,
  TRANSITIONS,
} from './case-workflow.ts';
export {
  casesJobHandlers,
  compactReportSummaries,
  enqueuePersonChanged,
  JOB_PERSON_CHANGED,
  onPersonChanged,
  type PersonChangedListener,
  scheduleReportCompaction,
} from './cases.jobs.ts';
export { type CasesMessageKey, casesMessages } from './cases.messages.ts';
/** Marks a case active (its last-activity day) in the caller's transaction, for a module that adds to its timeline. */
/** Deletes a case row and, by cascade, its dependent rows: the retention module's erasure (ADR 0139). */
/** The high-assurance path's new case: restricted, in its team (ADR 0158). */
export { deleteCaseRow, markCaseRestricted, touchCase } from './cases.repository.ts';
export { casesRoutes } from './cases.routes.tsx';
export {
  type IntakeAnswers,
  intakeAnswersSchema,
  type NewCaseInput,
  type PersonDetails,
  personSchema,
  queueQuerySchema,
} from './cases.schemas.ts';
export { assignCase, changeStatus, createCase, updateIntakeAnswers, updatePerson } from './cases.service.ts';
export { listDueSoon, listQueue, type QueueItem, type QueuePage } from './queue.service.ts';
