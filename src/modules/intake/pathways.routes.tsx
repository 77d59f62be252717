import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../platform/errors.ts';
import { addApplicantMessage } from '../cases/index.ts';
import { evaluatePathways, getKnowledgeBase, type Profile, profileSchema } from '../pathways/index.ts';
import { applicantCase, applicantCsrf, html, requireApplicantCsrf } from './intake.routes.tsx';
import type { IntakeRuntime } from './intake.service.ts';
import { PathwaysFormPage, PathwaysResultPage } from './intake.views.tsx';

/**
 * The applicant's pathways self-check at /pathways: anonymous, no JavaScript, nothing
 * stored. A signed-in applicant may attach the result to their case, as a message.
 */
const flag = z
  .union([z.literal('1'), z.literal('on')])
  .optional()
  .transform((v) => v !== undefined);
const count = z
  .string()
  .regex(/^\d{0,2}$/)
  .default('0')
  .transform((v) => (v === '' ? 0 : Number(v)));
/** An optional whole number: '' (or absent) means not given. */
const optionalNumber = (digits: number) =>
  z
    .string()
    .regex(new RegExp(`^\\d{0,${digits}}$`))
    .default('')
    .transform((v) => (v === '' ? undefined : Number(v)));
const formSchema = z.object({
  citizenship: z.string().max(2),
  location: z.string().max(5),
  applicantType: z.string().max(20),
  documents: z
    .union([z.string().max(40), z.array(z.string().max(40)).max(6)])
    .optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v])),
  foreignPassportValidUntil: z.string().max(10).default(''),
  hasLeftUnit: flag,
  criminalCaseOpened: flag,
  onWantedList: flag,
  calledUp: flag,
  summonsPosted: flag,
  passportInvalidated: flag,
  adults: count,
  children: count,
  age: optionalNumber(3),
  lawfulStayDaysLeft: optionalNumber(4),
});

function toProfile(input: unknown, language: 'ru' | 'uk' | 'en'): Profile | undefined {
  const form = formSchema.safeParse(input ?? {});
  if (!form.success) return undefined;
  const f = form.data;
  const profile = profileSchema.safeParse({
    citizenship: f.citizenship,
    location: f.location,
    applicantType: f.applicantType,
    documents: f.documents,
    ...(f.foreignPassportValidUntil === '' ? {} : { foreignPassportValidUntil: f.foreignPassportValidUntil }),
    hasLeftUnit: f.hasLeftUnit,
    criminalCaseOpened: f.criminalCaseOpened,
    onWantedList: f.onWantedList,
    calledUp: f.calledUp,
    summonsPosted: f.summonsPosted,
    passportInvalidated: f.passportInvalidated,
    family: { adults: f.adults, children: f.children },
    language,
    ...(f.age === undefined ? {} : { age: f.age }),
    ...(f.lawfulStayDaysLeft === undefined ? {} : { lawfulStayDaysLeft: f.lawfulStayDaysLeft }),
  });
  return profile.success ? profile.data : undefined;
}

export async function pathwaysRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  rt: IntakeRuntime,
): Promise<void> {
  // The knowledge base serving now: the built-in content or the latest published pack (ADR 0103).
  const knowledge = getKnowledgeBase;

  app.get('/pathways', async (request, reply) =>
    html(reply, 200, <PathwaysFormPage locale={request.locale} errors={{}} />),
  );

  app.post('/pathways', async (request, reply) => {
    const profile = toProfile(request.body, request.locale);
    if (profile === undefined) {
      return html(
        reply,
        400,
        <PathwaysFormPage locale={request.locale} errors={{ form: 'form.error.invalid' }} />,
      );
    }
    const result = evaluatePathways(profile, await knowledge());
    const signedIn = (await applicantCase(rt, request)) !== undefined;
    const { language: _l, ...stored } = profile;
    return html(
      reply,
      200,
      <PathwaysResultPage
        locale={request.locale}
        result={result}
        signedIn={signedIn}
        csrf={signedIn ? applicantCsrf(ctx, request) : undefined}
        profileJson={JSON.stringify(stored)}
      />,
    );
  });

  app.post('/pathways/attach', async (request, reply) => {
    const caseId = await applicantCase(rt, request);
    if (caseId === undefined) throw new AppError('unauthenticated', 'no applicant session');
    const body = z
      .object({ _csrf: z.string().max(100).default(''), profile: z.string().max(2000) })
      .safeParse(request.body ?? {});
    requireApplicantCsrf(ctx, request, body.success ? body.data._csrf : undefined);
    if (!body.success) throw new AppError('validation_failed', 'bad attach form');
    let raw: unknown;
    try {
      raw = JSON.parse(body.data.profile);
    } catch {
      throw new AppError('validation_failed', 'bad profile json');
    }
    const profile = profileSchema.safeParse({ ...(raw as object), language: request.locale });
    if (!profile.success) throw new AppError('validation_failed', 'bad profile');
    const result = evaluatePathways(profile.data, await knowledge());
    const open = result.options.filter((o) => o.viable.value).map((o) => `${o.title} (${o.countryName})`);
    const { language: _l, ...answers } = profile.data;
    const text = [
      `[pathways ${result.evaluatedOn} ${result.contentVersion.slice(0, 12)}]`,
      `profile: ${JSON.stringify(answers)}`,
      `open: ${open.join('; ') || '-'}`,
    ].join('\n');
    await addApplicantMessage(ctx, caseId, text.slice(0, 5000));
    return reply.redirect(`/inbox?lang=${request.locale}&done=pathways`, 303);
  });
}
