import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { CsrfField, renderDocument, StaffLayout } from '../../platform/html.tsx';
import { defineMessages } from '../../platform/i18n/index.ts';
import { canCreateStaff, requireAllowed } from '../auth/auth.policy.ts';
import { csrfFor, requireStaff } from '../auth/staff-session.ts';
import { readCaseAttachment } from './attachments.ts';
import { partnerOpenApiDocument } from './channels/partner-api/openapi.ts';
import { issuePartnerToken } from './channels/partner-api/partner.service.ts';
import type { IntakeRuntime } from './intake.service.ts';

const sm = defineMessages({
  en: {
    'partners.title': 'Partner API tokens',
    'partners.label': 'Partner name (e.g. "Hotline, night shift")',
    'partners.create': 'Issue a token',
    'partners.once': 'Copy this token now; it is shown only once and stored only as a hash:',
    'partners.docs': 'API document (OpenAPI)',
  },
  ru: {
    'partners.title': 'Токены API партнёров',
    'partners.label': 'Название партнёра (например, «Горячая линия, ночная смена»)',
    'partners.create': 'Выдать токен',
    'partners.once': 'Скопируйте токен сейчас: он показывается один раз и хранится только как хеш:',
    'partners.docs': 'Документация API (OpenAPI)',
  },
  uk: {
    'partners.title': 'Токени API партнерів',
    'partners.label': 'Назва партнера (наприклад, «Гаряча лінія, нічна зміна»)',
    'partners.create': 'Видати токен',
    'partners.once': 'Скопіюйте токен зараз: він показується один раз і зберігається лише як геш:',
    'partners.docs': 'Документація API (OpenAPI)',
  },
});

function PartnersPage(props: { locale: 'ru' | 'uk' | 'en'; csrf: string; token?: string }) {
  const m = (k: Parameters<typeof sm>[1]) => sm(props.locale, k);
  return (
    <StaffLayout locale={props.locale} title={m('partners.title')} path="/staff/intake/partners">
      {props.token === undefined ? null : (
        <p class="alert" role="status">
          {m('partners.once')} <code>{props.token}</code>
        </p>
      )}
      <form method="post" action={`/staff/intake/partners?lang=${props.locale}`}>
        <CsrfField token={props.csrf} />
        <label for="label">{m('partners.label')}</label>
        <input id="label" name="label" maxLength={80} required />
        <button type="submit">{m('partners.create')}</button>
      </form>
      <p>
        <a href="/staff/api/openapi.json">{m('partners.docs')}</a>
      </p>
    </StaffLayout>
  );
}

const page = (reply: FastifyReply, status: number, vnode: preact.VNode) =>
  reply.status(status).type('text/html; charset=utf-8').send(renderDocument(vnode));

/** Staff pages of the intake module (behind the staff guards: session, CSRF, seal). */
export async function intakeStaffRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  rt: IntakeRuntime,
): Promise<void> {
  app.get('/staff/api/openapi.json', async (request) => {
    requireStaff(request);
    return partnerOpenApiDocument();
  });

  const guard = (request: FastifyRequest) => {
    const actor = requireStaff(request);
    requireAllowed(canCreateStaff(actor), 'partners');
    return actor;
  };

  app.get('/staff/intake/partners', async (request, reply) => {
    guard(request);
    return page(reply, 200, <PartnersPage locale={request.locale} csrf={csrfFor(ctx, request, reply)} />);
  });

  app.post('/staff/intake/partners', async (request, reply) => {
    const actor = guard(request);
    const body = z.object({ label: z.string().max(200).default('') }).parse(request.body ?? {});
    const { token } = await issuePartnerToken(ctx, actor, { label: body.label });
    return page(
      reply,
      201,
      <PartnersPage locale={request.locale} csrf={csrfFor(ctx, request, reply)} token={token} />,
    );
  });

  app.get('/staff/intake/cases/:ref/attachments/:id', async (request, reply) => {
    const actor = requireStaff(request);
    const params = request.params as { ref: string; id: string };
    const original = (request.query as Record<string, unknown>).original === '1';
    const file = await readCaseAttachment(ctx, rt, actor, params.ref, params.id, { original });
    // Always a download, never rendered in the staff origin; the name is ASCII-safe.
    const ascii = file.name.replace(/[^A-Za-z0-9._-]/g, '_');
    return reply
      .type(file.type)
      .header(
        'Content-Disposition',
        `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.name)}`,
      )
      .header('Content-Security-Policy', "default-src 'none'; sandbox")
      .send(file.data);
  });
}
