/**
 * The organisation module's face (issue 21 item 5, ADRs 0193-0195): the organisation's name,
 * logo, contacts, welcome text, privacy notice and own intake questions, set by an
 * administrator, versioned, and shown on the applicant pages through intake's hook.
 */
import { renderingApp } from '../../platform/ui/index.ts';
import { registerCaseAnswersText, registerCaseAnswersView } from '../cases/index.ts';
import type { ApplicantCustomisation } from '../intake/index.ts';
import {
  CaseAnswers,
  caseAnswersText,
  isCustomAnswerKey,
  publishedQuestionsBlock,
  readCustomAnswers,
} from './organisation.questions.tsx';
import { brandingOf, publishedOrganisation, refreshOrganisation } from './organisation.service.ts';

export {
  organisationApplicantRoutes,
  organisationRoutes,
  organisationUploadRoutes,
} from './organisation.routes.tsx';
export {
  publishOrganisationDraft,
  refreshOrganisation,
  saveOrganisationDraft,
} from './organisation.service.ts';

/** What intake asks of this module (registered by the composition root). */
export const organisationCustomisation: ApplicantCustomisation = {
  branding(ctx, locale) {
    const v = publishedOrganisation(ctx);
    return v === undefined ? undefined : brandingOf(v, locale);
  },
  questionsBlock: publishedQuestionsBlock,
  readAnswers: readCustomAnswers,
  refresh: (ctx) => refreshOrganisation(ctx),
};

/** The case page's readable answers to the organisation's questions (ADR 0195). */
registerCaseAnswersView(
  (locale, answers) => CaseAnswers({ ctx: renderingApp()?.sanctuary, locale, answers }),
  isCustomAnswerKey,
);
/** …and their lines in the case summary PDF (labels and readable answers, never the stored keys). */
registerCaseAnswersText(caseAnswersText);
