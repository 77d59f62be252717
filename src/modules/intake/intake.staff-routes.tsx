import { create as contentDisposition } from 'content-disposition';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { requireAllowed } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { AppError, isAppError } from '../../platform/errors.ts';
import { defineMessages } from '../../platform/i18n/index.ts';
import {
  CsrfField,
  DataTable,
  Field,
  redirectWithQuery,
  type StaffFrame,
  StaffPage,
  sendHtml,
  staffFrame,
} from '../../platform/ui/index.ts';
import { canCreateStaff, csrfFor, loadStaffSession, requireStaff, verifyCsrf } from '../auth/index.ts';
import { addCaseDocument, authoriseCaseDocument, readCaseAttachment } from './attachments.ts';
import { partnerOpenApiDocument } from './channels/partner-api/openapi.ts';
import {
  issuePartnerToken,
  listPartnerTokens,
  type PartnerTokenView,
  revokePartnerToken,
} from './channels/partner-api/partner.service.ts';
import type { IntakeRuntime } from './intake.service.ts';

const sm = defineMessages({
  en: {
    'partners.title': 'Partner API tokens',
    'partners.label': 'Partner name (e.g. "Hotline, night shift")',
    'partners.create': 'Issue a token',
    'partners.once': 'Copy this token now; it is shown only once and stored only as a hash:',
    'partners.docs': 'API document (OpenAPI)',
    'partners.list': 'Issued tokens',
    'partners.none': 'No token has been issued yet.',
    'partners.name': 'Partner',
    'partners.issued': 'Issued',
    'partners.state': 'State',
    'partners.active': 'Works',
    'partners.revoked': 'Revoked on {date}',
    'partners.revoke': 'Revoke',
    'partners.revoke_hint':
      'A revoked token stops working at once on this server, and within 5 seconds on others.',
  },
  ru: {
    'partners.title': 'Токены API партнёров',
    'partners.label': 'Название партнёра (например, «Горячая линия, ночная смена»)',
    'partners.create': 'Выдать токен',
    'partners.once': 'Скопируйте токен сейчас: он показывается один раз и хранится только как хеш:',
    'partners.docs': 'Документация API (OpenAPI)',
    'partners.list': 'Выданные токены',
    'partners.none': 'Токены ещё не выдавались.',
    'partners.name': 'Партнёр',
    'partners.issued': 'Выдан',
    'partners.state': 'Состояние',
    'partners.active': 'Действует',
    'partners.revoked': 'Отозван {date}',
    'partners.revoke': 'Отозвать',
    'partners.revoke_hint':
      'Отозванный токен сразу перестаёт работать на этом сервере и не позже чем через 5 секунд — на других.',
  },
  uk: {
    'partners.title': 'Токени API партнерів',
    'partners.label': 'Назва партнера (наприклад, «Гаряча лінія, нічна зміна»)',
    'partners.create': 'Видати токен',
    'partners.once': 'Скопіюйте токен зараз: він показується один раз і зберігається лише як геш:',
    'partners.docs': 'Документація API (OpenAPI)',
    'partners.list': 'Видані токени',
    'partners.none': 'Токени ще не видавалися.',
    'partners.name': 'Партнер',
    'partners.issued': 'Видано',
    'partners.state': 'Стан',
    'partners.active': 'Діє',
    'partners.revoked': 'Відкликано {date}',
    'partners.revoke': 'Відкликати',
    'partners.revoke_hint':
      'Відкликаний токен одразу перестає працювати на цьому сервері і не пізніше ніж за 5 секунд — на інших.',
  },
});

function PartnersPage(props: {
  frame: StaffFrame;
  csrf: string;
  partners: PartnerTokenView[];
  token?: string;
}) {
  const l = props.frame.locale;
  const m = (k: Parameters<typeof sm>[1]) => sm(l, k);
  return (
    <StaffPage frame={props.frame} title={m('partners.title')} path="/staff/intake/partners">
      {props.token === undefined ? null : (
        <p class="alert" role="status">
          {m('partners.once')} <code>{props.token}</code>
        </p>
      )}
      <form method="post" action={`/staff/intake/partners?lang=${l}`}>
        <CsrfField token={props.csrf} />
        <Field locale={l} id="label" name="label" label={m('partners.label')}>
          {(a) => <input {...a} maxLength={80} required />}
        </Field>
        <button type="submit">{m('partners.create')}</button>
      </form>
      <h2>{m('partners.list')}</h2>
      <DataTable<PartnerTokenView>
        rows={props.partners}
        rowKey={(p) => p.id}
        empty={m('partners.none')}
        columns={[
          { key: 'name', header: m('partners.name'), cell: (p) => p.label },
          { key: 'issued', header: m('partners.issued'), cell: (p) => p.createdOn },
          {
            key: 'state',
            header: m('partners.state'),
            cell: (p) =>
              p.revokedOn === null ? m('partners.active') : sm(l, 'partners.revoked', { date: p.revokedOn }),
          },
          {
            key: 'revoke',
            header: m('partners.revoke'),
            cell: (p) =>
              p.revokedOn === null ? (
                <form method="post" action={`/staff/intake/partners/${p.id}/revoke?lang=${l}`}>
                  <CsrfField token={props.csrf} />
                  <button type="submit">{m('partners.revoke')}</button>
                </form>
              ) : null,
          },
        ]}
      />
      <p class="hint">{m('partners.revoke_hint')}</p>
      <p>
        <a href="/staff/api/openapi.json">{m('partners.docs')}</a>
      </p>
    </StaffPage>
  );
}

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
    const actor = guard(request);
    const partners = await listPartnerTokens(ctx, actor);
    return sendHtml(
      reply,
      200,
      <PartnersPage
        frame={await staffFrame(request, reply)}
        csrf={csrfFor(ctx, request, reply)}
        partners={partners}
      />,
    );
  });

  app.post('/staff/intake/partners/:partnerId/revoke', async (request, reply) => {
    const actor = guard(request);
    const params = z.object({ partnerId: z.string().uuid() }).safeParse(request.params);
    if (!params.success) throw new AppError('not_found', 'no such partner');
    await revokePartnerToken(ctx, actor, params.data.partnerId);
    return redirectWithQuery(request, reply, '/staff/intake/partners');
  });

  app.post('/staff/intake/partners', async (request, reply) => {
    const actor = guard(request);
    const body = z.object({ label: z.string().max(200).default('') }).parse(request.body ?? {});
    const { token } = await issuePartnerToken(ctx, actor, { label: body.label });
    const partners = await listPartnerTokens(ctx, actor);
    return sendHtml(
      reply,
      201,
      <PartnersPage
        frame={await staffFrame(request, reply)}
        csrf={csrfFor(ctx, request, reply)}
        partners={partners}
        token={token}
      />,
    );
  });

  app.get(
    '/staff/intake/cases/:ref/attachments/:id',
    {
      // After the app-wide onSend (which sets the page CSP): a file gets the strictest one.
      onSend: async (_request, reply, payload) => {
        if (reply.statusCode === 200) reply.header('Content-Security-Policy', DOWNLOAD_CSP);
        return payload;
      },
    },
    async (request, reply) => {
      const actor = requireStaff(request);
      const params = request.params as { ref: string; id: string };
      const original = (request.query as Record<string, unknown>).original === '1';
      const file = await readCaseAttachment(ctx, rt, actor, params.ref, params.id, { original });
      return reply
        .type(file.type)
        .header('Content-Disposition', attachmentDisposition(file.name))
        .header('X-Content-Type-Options', 'nosniff')
        .header('Cache-Control', 'no-store')
        .send(file.data);
    },
  );
}

/** A downloaded file may never run anything, even if a browser were to render it. */
const DOWNLOAD_CSP = "default-src 'none'; sandbox";

/**
 * `Content-Disposition: attachment` with the RFC 6266 / RFC 8187 encoding (the
 * content-disposition package): an ASCII fallback made of safe characters only, and the
 * real name, UTF-8 percent-encoded, in `filename*`. Never `inline`: a file from an applicant
 * is hostile and must not be rendered in the staff origin.
 */
export function attachmentDisposition(name: string): string {
  const ascii = name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100) || 'file';
  return contentDisposition(name, { type: 'attachment', fallback: ascii });
}

/**
 * Staff upload of a document to a case (multipart). Registered in its own scope: the
 * /staff guards check the CSRF field of a parsed form body, and a multipart body is read
 * here as a stream, so this scope loads the session itself and checks the CSRF field,
 * which the form sends first, before reading any file. Errors come back to the case page
 * as an allow-listed message key (the case page belongs to the cases module).
 */
export async function intakeStaffUploadRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  rt: IntakeRuntime,
): Promise<void> {
  app.decorateRequest('staff', null);
  app.addHook('preHandler', async (request) => {
    await loadStaffSession(ctx, request);
  });

  app.post('/staff/intake/cases/:ref/attachments', async (request, reply) => {
    const actor = requireStaff(request);
    // Not yours (or missing) is 404 before anything else, whatever the body.
    const ref = await authoriseCaseDocument(ctx, actor, (request.params as { ref?: unknown }).ref);
    if (!request.isMultipart()) throw new AppError('unsupported_media_type', 'not multipart');
    const checkCsrf = (token: string | undefined) => {
      request.body = { _csrf: token };
      verifyCsrf(ctx, request);
    };
    let csrf: string | undefined;
    let upload: { data: Buffer; fileName: string | undefined } | undefined;
    let tooLarge = false;
    for await (const part of request.parts({
      limits: {
        fileSize: ctx.config.intake.maxUploadBytes,
        files: 1,
        fields: 2,
        fieldSize: 200,
        parts: 4,
        headerPairs: 20,
      },
    })) {
      if (part.type === 'field') {
        if (part.fieldname === '_csrf' && typeof part.value === 'string') csrf = part.value;
        continue;
      }
      checkCsrf(csrf);
      const chunks: Buffer[] = [];
      for await (const chunk of part.file) chunks.push(chunk as Buffer);
      tooLarge = part.file.truncated;
      upload = { data: Buffer.concat(chunks), fileName: part.filename };
    }
    checkCsrf(csrf);
    // Back to the case file's documents section (issue 21 item 1: actions return to where they were).
    const back = (query: string) =>
      redirectWithQuery(request, reply, `/staff/cases/${ref}`, `${query}#documents`);
    try {
      // Authorises first: a case the member may not write answers 404 whatever the file.
      await addCaseDocument(ctx, rt, actor, ref, {
        data: upload?.data ?? Buffer.alloc(0),
        fileName: upload?.fileName,
        truncated: tooLarge,
      });
    } catch (error) {
      const field = isAppError(error) ? error.fields?.file : undefined;
      if (isAppError(error) && field !== undefined && error.status < 500) {
        // The intake key ("attach.error.type") becomes the case page's ("cases.document.error_type").
        return back(`error=${field.replace('attach.error.', 'cases.document.error_')}`);
      }
      throw error;
    }
    return back('flash=cases.flash.document_added');
  });
}
