import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { AppError, isAppError } from '../../platform/errors.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import {
  applicantCase,
  intakeRuntimeOf,
  registerInboxSection,
  requireApplicantCsrf,
} from '../intake/index.ts';
import { isReferralsMessageKey, referralsMessages as m } from './referrals.messages.ts';
import { type ConsentRequestView, giveConsentInInbox, listConsentRequests } from './referrals.service.ts';

/**
 * The applicant's consent in their own inbox (issue 14, ADR 0164): each referral the caseworker
 * asked about shows who would receive it (kind of partner, country, city) and the fields asked
 * for, as check boxes, with "I agree" and "I do not agree". A plain form: no JavaScript.
 */
const tr = (l: Locale, key: string) => (isReferralsMessageKey(key) ? m(l, key) : key);

export function ConsentRequests(props: { locale: Locale; csrf: string; requests: ConsentRequestView[] }) {
  const l = props.locale;
  return (
    <section id="consent-requests" aria-labelledby="consent-requests-h">
      <h2 id="consent-requests-h">{m(l, 'referrals.inbox.title')}</h2>
      {props.requests.map((r) => (
        <form key={r.id} method="post" action={`/inbox/consent/${r.id}?lang=${l}`} id={`consent-${r.id}`}>
          <input type="hidden" name="_csrf" value={props.csrf} />
          <fieldset>
            <legend>
              {m(l, 'referrals.inbox.intro', {
                partner: tr(l, `referrals.kind.${r.partnerKind}`),
                place: `${r.city}, ${r.country}`,
              })}
            </legend>
            {r.fields.map((f) => (
              <label key={f} class="block">
                <input type="checkbox" name="fields" value={f} checked /> {tr(l, `referrals.packet.${f}`)}
              </label>
            ))}
          </fieldset>
          <p class="hint">{m(l, 'referrals.inbox.hint')}</p>
          <p>
            <button type="submit" name="decision" value="agree">
              {m(l, 'referrals.inbox.agree')}
            </button>{' '}
            <button type="submit" name="decision" value="refuse">
              {m(l, 'referrals.inbox.refuse')}
            </button>
          </p>
        </form>
      ))}
    </section>
  );
}

registerInboxSection(async (ctx, { caseId, locale, csrf }) => {
  const requests = await listConsentRequests(ctx, caseId);
  return requests.length === 0 ? null : <ConsentRequests locale={locale} csrf={csrf} requests={requests} />;
});

/** POST /inbox/consent/:id, in a scope prepared by intake's `prepareApplicantScope` (its errors, CSRF, parser). */
export async function referralsApplicantRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post('/inbox/consent/:id', async (request: FastifyRequest, reply) => {
    const caseId = await applicantCase(intakeRuntimeOf(ctx), request);
    if (caseId === undefined) throw new AppError('unauthenticated', 'no applicant session');
    const body = (request.body ?? {}) as Record<string, unknown>;
    requireApplicantCsrf(ctx, request, body._csrf);
    const { _csrf: _, ...answer } = body;
    try {
      await giveConsentInInbox(ctx, caseId, (request.params as { id?: string }).id, answer);
    } catch (error) {
      // The applicant pages name no staff form fields: a refused answer is one translated 400.
      if (isAppError(error) && error.code === 'validation_failed') {
        throw new AppError('validation_failed', 'consent answer');
      }
      throw error;
    }
    return reply.redirect(`/inbox?lang=${request.locale}`, 303);
  });
}
