import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { isAppError } from '../../platform/errors.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import { addStaffNav, defineFlashes, sendHtml, staffFrame } from '../../platform/ui/index.ts';
import type { Actor } from '../../access/index.ts';
import { csrfFor, requireStaff } from '../auth/index.ts';
import { listCaseAttachments } from '../intake/index.ts';
import { registerCasePageLink } from '../cases/index.ts';
import { disbursementMessages as m } from './ledger.disbursements.messages.ts';
import {
  approveDisbursement,
  chooseRequestCase,
  denyDisbursement,
  getApprovalQueue,
  getCasePayments,
  getDisbursement,
  getRequestForm,
  getThresholds,
  postDisbursement,
  requestDisbursement,
  revealPaymentDetails,
  setThresholds,
  signOffDisbursement,
  voidDisbursement,
} from './ledger.disbursements.ts';
import {
  CasePaymentsView,
  ChooseCaseView,
  type DisbursementFrame,
  type EvidenceDocument,
  DisbursementPageView,
  type FormValues,
  QueuePageView,
  RequestFormView,
  RewardsPageView,
  SettingsPageView,
} from './ledger.disbursements.views.tsx';
import type { PaymentDetails } from './ledger.payment-details.ts';
import {
  canConfigureAssistance,
  canRequestDisbursement,
  canSeeDisbursements,
  canSignOffDisbursement,
  canVerifyReward,
} from './ledger.policy.ts';
import {
  addScheduleItem,
  createRewardClaim,
  getRewardClaims,
  getRewardSchedule,
  verifyReward,
} from './ledger.rewards.ts';
import { getVettingView, recordAuthenticitySignal } from './ledger.signoff.ts';
// The case timeline's payments entries register when the pages load.
import './ledger.timeline.tsx';

/**
 * The disbursement pages under /staff/disbursements (issue 15 item 9): the approval queue, a
 * disbursement (approve, deny, sign off, reveal the payment details, post, void, verify), a
 * case's payments and its authenticity signals, reward claims and the schedule, and the
 * thresholds. Each route calls one service function, which authorises first (404). The /staff
 * guard has checked the session and every POST's CSRF token. Every route here has an entry
 * in ledger.routes.matrix.test.ts.
 */
const BASE = '/staff/disbursements';

const flashes = defineFlashes(
  [
    'disb.flash.requested',
    'disb.flash.thresholds_requested',
    'disb.flash.approved',
    'disb.flash.denied',
    'disb.flash.signed_off',
    'disb.flash.posted',
    'disb.flash.voided',
    'disb.flash.verified',
    'disb.flash.recorded',
    'disb.flash.saved',
  ],
  m,
);
const errors = defineFlashes(['disb.error.conflict', 'disb.error.limit'], m, 'error');

type Body = Record<string, unknown>;
const bodyOf = (request: FastifyRequest): Body => (request.body as Body | undefined) ?? {};
const param = (request: FastifyRequest, name: string): string =>
  String((request.params as Record<string, unknown>)[name] ?? '');
const query = (request: FastifyRequest, name: string): string | undefined => {
  const v = (request.query as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : undefined;
};
/** Form text, never echoing payment details back into a page. */
function formValues(body: Body): FormValues {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) {
    if (typeof v === 'string' && k !== 'paymentDetails' && k !== '_csrf') out[k] = v.slice(0, 4000);
  }
  return out;
}
/** Evidence ids typed one per line (or separated by spaces or commas). */
const evidenceOf = (v: unknown): string[] =>
  (Array.isArray(v) ? v : [v])
    .flatMap((x) => (typeof x === 'string' ? x.split(/[\s,]+/) : []))
    .filter((x) => x.length > 0);

/**
 * The case's documents to choose the evidence from (names decrypted: the actor may write the
 * case, so may read it); none when the actor may not read its content.
 */
async function caseDocuments(ctx: AppContext, actor: Actor, ref: unknown): Promise<EvidenceDocument[]> {
  try {
    return (await listCaseAttachments(ctx, actor, ref)).map((d) => ({
      id: d.id,
      name: d.name,
      // "PDF", "JPEG", "PNG": as the case page names them.
      type: (d.type.split('/')[1] ?? d.type).toUpperCase(),
      on: d.on,
    }));
  } catch (error) {
    if (isAppError(error) && error.code === 'not_found') return [];
    throw error;
  }
}

function casePaymentsLink(locale: Locale, caseBase: string) {
  const ref = caseBase.split('/').pop() ?? '';
  return <a href={`${BASE}/cases/${ref}?lang=${locale}`}>{m(locale, 'disb.case.link')}</a>;
}
registerCasePageLink(casePaymentsLink);

export async function disbursementRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  addStaffNav(app, { href: BASE, label: (l) => m(l, 'disb.nav'), visible: canSeeDisbursements, order: 36 });

  const frame = async (
    request: FastifyRequest,
    reply: FastifyReply,
    error?: string,
  ): Promise<DisbursementFrame> => ({
    ...(await staffFrame(request, reply, { flashes, error: error ?? errors.read(request) })),
    canConfigure: canConfigureAssistance(requireStaff(request)),
    canRequest: canRequestDisbursement(requireStaff(request)),
    csrf: csrfFor(ctx, request, reply),
  });

  /** A refused action (already done, not approved yet, no funds) goes back to its page with a message. */
  const act = (
    action: (actor: ReturnType<typeof requireStaff>, id: string, body: Body) => Promise<unknown>,
    flash: Parameters<typeof flashes.redirect>[3],
  ) => {
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const id = param(request, 'id');
      try {
        await action(requireStaff(request), id, bodyOf(request));
      } catch (error) {
        if (isAppError(error) && (error.code === 'conflict' || error.code === 'ledger_limit')) {
          return errors.redirect(
            request,
            reply,
            `${BASE}/${id}`,
            error.code === 'ledger_limit' ? 'disb.error.limit' : 'disb.error.conflict',
          );
        }
        throw error;
      }
      return flashes.redirect(request, reply, `${BASE}/${id}`, flash);
    };
  };

  app.get(BASE, async (request, reply) => {
    const queue = await getApprovalQueue(ctx, requireStaff(request));
    return sendHtml(reply, 200, <QueuePageView frame={await frame(request, reply)} queue={queue} />);
  });

  const renderForm = async (
    request: FastifyRequest,
    reply: FastifyReply,
    kind: 'disbursement' | 'reward',
    status = 200,
    values: FormValues = {},
    fieldErrors?: Record<string, string>,
    chosenEvidence: string[] = [],
  ) => {
    const actor = requireStaff(request);
    const ref = values.caseRef ?? query(request, 'case');
    if (values.caseRef === undefined) {
      // Opened from the payments pages, not from a case's page: which case, first.
      const choice = await chooseRequestCase(ctx, actor, ref);
      if (choice !== 'ok') {
        return sendHtml(
          reply,
          choice === 'none' ? 200 : 404,
          <ChooseCaseView
            frame={await frame(request, reply)}
            reward={kind === 'reward'}
            typed={ref?.slice(0, 20)}
            {...(choice === 'none' ? {} : { errors: { case: 'disb.error.no_case' } })}
          />,
        );
      }
    }
    const form = await getRequestForm(ctx, actor, ref);
    const schedule = kind === 'reward' ? await getRewardSchedule(ctx, actor) : undefined;
    const documents = kind === 'reward' ? await caseDocuments(ctx, actor, form.caseRef) : undefined;
    return sendHtml(
      reply,
      status,
      <RequestFormView
        frame={
          await frame(
            request,
            reply,
            fieldErrors === undefined ? undefined : m(request.locale, 'disb.error.invalid'),
          )
        }
        form={form}
        id={values.id ?? randomUUID()}
        values={values}
        {...(fieldErrors === undefined ? {} : { errors: fieldErrors })}
        {...(schedule === undefined ? {} : { schedule })}
        {...(documents === undefined ? {} : { documents, chosenEvidence })}
      />,
    );
  };

  const create =
    (kind: 'disbursement' | 'reward') => async (request: FastifyRequest, reply: FastifyReply) => {
      const actor = requireStaff(request);
      const body = bodyOf(request);
      try {
        const { id } =
          kind === 'reward'
            ? await createRewardClaim(ctx, actor, { ...body, evidenceIds: evidenceOf(body.evidenceIds) })
            : await requestDisbursement(ctx, actor, body);
        return flashes.redirect(request, reply, `${BASE}/${id}`, 'disb.flash.requested');
      } catch (error) {
        if (isAppError(error) && (error.code === 'validation_failed' || error.code === 'ledger_limit')) {
          const fields =
            error.fields ?? (error.code === 'ledger_limit' ? { budgetAccountId: 'field.invalid' } : {});
          return renderForm(
            request,
            reply,
            kind,
            error.status,
            formValues(body),
            fields,
            evidenceOf(body.evidenceIds),
          );
        }
        throw error;
      }
    };

  app.get(`${BASE}/new`, (request, reply) => renderForm(request, reply, 'disbursement'));
  app.post(BASE, create('disbursement'));
  app.get(`${BASE}/rewards/new`, (request, reply) => renderForm(request, reply, 'reward'));
  app.post(`${BASE}/rewards`, create('reward'));

  const renderPage = async (request: FastifyRequest, reply: FastifyReply, revealed?: PaymentDetails) => {
    const actor = requireStaff(request);
    const page = await getDisbursement(ctx, actor, param(request, 'id'));
    const vetting =
      canSignOffDisbursement(actor) || canVerifyReward(actor)
        ? await getVettingView(ctx, actor, page.id)
        : undefined;
    return sendHtml(
      reply,
      200,
      <DisbursementPageView
        frame={await frame(request, reply)}
        page={page}
        vetting={vetting}
        revealed={revealed}
      />,
    );
  };

  app.get(`${BASE}/:id`, (request, reply) => renderPage(request, reply));

  app.post(
    `${BASE}/:id/approve`,
    act((a, id) => approveDisbursement(ctx, a, { disbursementId: id }), 'disb.flash.approved'),
  );
  app.post(
    `${BASE}/:id/deny`,
    act((a, id) => denyDisbursement(ctx, a, { disbursementId: id }), 'disb.flash.denied'),
  );
  app.post(
    `${BASE}/:id/signoff`,
    act((a, id) => signOffDisbursement(ctx, a, { disbursementId: id }), 'disb.flash.signed_off'),
  );
  app.post(
    `${BASE}/:id/post`,
    act((a, id) => postDisbursement(ctx, a, { disbursementId: id }), 'disb.flash.posted'),
  );
  app.post(
    `${BASE}/:id/void`,
    act((a, id) => voidDisbursement(ctx, a, { disbursementId: id }), 'disb.flash.voided'),
  );
  app.post(
    `${BASE}/:id/verify`,
    act(
      (a, id, body) => verifyReward(ctx, a, { disbursementId: id, step: body.step }),
      'disb.flash.verified',
    ),
  );

  // The details are shown in this POST's answer only (never in a GET page, never in a redirect).
  app.post(`${BASE}/:id/reveal`, async (request, reply) => {
    const id = param(request, 'id');
    try {
      const details = await revealPaymentDetails(ctx, requireStaff(request), {
        disbursementId: id,
        again: bodyOf(request).again,
      });
      return renderPage(request, reply, details);
    } catch (error) {
      if (isAppError(error) && error.code === 'conflict') {
        return errors.redirect(request, reply, `${BASE}/${id}`, 'disb.error.conflict');
      }
      throw error;
    }
  });

  app.get(`${BASE}/cases/:ref`, async (request, reply) => {
    const actor = requireStaff(request);
    const data = await getCasePayments(ctx, actor, param(request, 'ref'));
    const documents = data.canRequest ? await caseDocuments(ctx, actor, data.caseRef) : undefined;
    return sendHtml(
      reply,
      200,
      <CasePaymentsView
        frame={await frame(request, reply)}
        data={data}
        {...(documents === undefined ? {} : { documents })}
      />,
    );
  });

  app.post(`${BASE}/cases/:ref/authenticity`, async (request, reply) => {
    const actor = requireStaff(request);
    const ref = param(request, 'ref');
    const body = bodyOf(request);
    try {
      await recordAuthenticitySignal(ctx, actor, {
        ...body,
        caseRef: ref,
        evidenceIds: evidenceOf(body.evidenceIds),
      });
    } catch (error) {
      if (isAppError(error) && error.code === 'validation_failed') {
        const data = await getCasePayments(ctx, actor, ref);
        return sendHtml(
          reply,
          400,
          <CasePaymentsView
            frame={await frame(request, reply, m(request.locale, 'disb.error.invalid'))}
            data={data}
            errors={error.fields}
            documents={await caseDocuments(ctx, actor, data.caseRef)}
          />,
        );
      }
      throw error;
    }
    return flashes.redirect(request, reply, `${BASE}/cases/${ref}`, 'disb.flash.recorded');
  });

  const renderRewards = async (
    request: FastifyRequest,
    reply: FastifyReply,
    status = 200,
    fieldErrors?: Record<string, string>,
  ) => {
    const actor = requireStaff(request);
    const [claims, schedule] = await Promise.all([
      getRewardClaims(ctx, actor),
      getRewardSchedule(ctx, actor),
    ]);
    return sendHtml(
      reply,
      status,
      <RewardsPageView
        frame={
          await frame(
            request,
            reply,
            fieldErrors === undefined ? undefined : m(request.locale, 'disb.error.invalid'),
          )
        }
        claims={claims}
        schedule={schedule}
        {...(fieldErrors === undefined ? {} : { errors: fieldErrors })}
      />,
    );
  };

  app.get(`${BASE}/rewards`, (request, reply) => renderRewards(request, reply));

  app.post(`${BASE}/rewards/schedule`, async (request, reply) => {
    try {
      await addScheduleItem(ctx, requireStaff(request), bodyOf(request));
    } catch (error) {
      if (isAppError(error) && (error.code === 'validation_failed' || error.code === 'conflict')) {
        return renderRewards(request, reply, error.status, error.fields ?? { code: 'field.taken' });
      }
      throw error;
    }
    return flashes.redirect(request, reply, `${BASE}/rewards`, 'disb.flash.saved');
  });

  const renderSettings = async (
    request: FastifyRequest,
    reply: FastifyReply,
    status = 200,
    fieldErrors?: Record<string, string>,
  ) => {
    const settings = await getThresholds(ctx, requireStaff(request));
    return sendHtml(
      reply,
      status,
      <SettingsPageView
        frame={
          await frame(
            request,
            reply,
            fieldErrors === undefined ? undefined : m(request.locale, 'disb.error.invalid'),
          )
        }
        settings={settings}
        {...(fieldErrors === undefined ? {} : { errors: fieldErrors })}
      />,
    );
  };

  app.get(`${BASE}/settings`, (request, reply) => renderSettings(request, reply));

  app.post(`${BASE}/settings`, async (request, reply) => {
    let outcome: Awaited<ReturnType<typeof setThresholds>>['outcome'];
    try {
      ({ outcome } = await setThresholds(ctx, requireStaff(request), bodyOf(request)));
    } catch (error) {
      if (isAppError(error) && error.code === 'validation_failed') {
        return renderSettings(request, reply, 400, error.fields);
      }
      throw error;
    }
    // Raising a threshold waits for a second administrator (issue 18): say so, not "saved".
    const flash = typeof outcome === 'object' ? 'disb.flash.thresholds_requested' : 'disb.flash.saved';
    return flashes.redirect(request, reply, `${BASE}/settings`, flash);
  });
}
