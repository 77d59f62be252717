import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { roleHas } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { AppError, isAppError } from '../../platform/errors.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import { defineFlashes, sendHtml, staffFrame } from '../../platform/ui/index.ts';
import { csrfFor, loadStaffSession, readStaffUpload, requireStaff } from '../auth/index.ts';
import { registerCasePageLink } from '../cases/index.ts';
import { addCaseDocument, intakeRuntimeOf } from '../intake/index.ts';
import { consentGrid, recordConsent } from './consent.service.ts';
import {
  ChooseRegionsPage,
  RedactionReviewPage,
  type TestimonyFormValues,
  TestimonyNewPage,
  TestimonyPage,
} from './evidence.forms.views.tsx';
import { type EvidenceMessageKey, evidenceMessages as m } from './evidence.messages.ts';
import { sniffRecording } from './recording.ts';
import {
  addRecording,
  authoriseEvidenceCase,
  captureMessages,
  listCaseEvidence,
  listMessagesForEvidence,
  readCustody,
  readItem,
  recordCustodyEvent,
} from './evidence.service.ts';
import { type CaseForms, CustodyPage, EvidenceCasePage } from './evidence.views.tsx';
import { ExportBlocked, evidencePublicKey, exportBundle, zipBag } from './export.service.ts';
import {
  confirmRedaction,
  itemRedactions,
  photoSize,
  prepareImageRedaction,
  prepareRedaction,
  previewForRedaction,
  readRedaction,
} from './redaction.service.ts';
import {
  confirmTestimony,
  editTestimony,
  listTestimonies,
  readTestimony,
  recordTestimony,
  testimonyCase,
} from './testimony.service.ts';
import { canExportEvidence, canListLinks } from './evidence.policy.ts';
import { addLink, itemLinks, listLinked, listLinkedFrom, removeLink } from './links.service.ts';
import { UnitsPage } from './links.views.tsx';
import { displaySize, regionBetween, toPicture } from './regions-picker.ts';
import { actorFacts, caseFacts } from '../case-access/index.ts';

/** The case page's link to its evidence (the evidence page decides who may open it). */
function evidenceLink(locale: Locale, caseBase: string) {
  return (
    <a href={`${caseBase.replace('/staff/cases/', '/staff/evidence/cases/')}?lang=${locale}`}>
      {m(locale, 'evidence.case.link')}
    </a>
  );
}
registerCasePageLink(evidenceLink);

const flashes = defineFlashes(
  [
    'evidence.flash.captured',
    'evidence.flash.uploaded',
    'evidence.flash.saved',
    'evidence.flash.confirmed',
    'evidence.flash.consent',
    'evidence.flash.event',
    'evidence.flash.prepared',
    'evidence.flash.reviewed',
    'evidence.flash.linked',
    'evidence.flash.unlinked',
  ] as const satisfies readonly EvidenceMessageKey[],
  m,
);
const errorFlashes = defineFlashes(
  ['evidence.flash.conflict', 'evidence.error.file'] as const satisfies readonly EvidenceMessageKey[],
  m,
  'error',
);

type Body = Record<string, unknown>;
const bodyOf = (request: FastifyRequest): Body =>
  typeof request.body === 'object' && request.body !== null ? (request.body as Body) : {};
const param = (request: FastifyRequest, name: string): unknown => (request.params as Body)[name];
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
/** A form field that may be sent once or several times (checkboxes), as a bounded list of strings. */
const list = (v: unknown): string[] =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v])
    .filter((x): x is string => typeof x === 'string')
    .slice(0, 200);

/** The testimony template's fields from a form body (the service validates them). */
function testimonyInput(body: Body): TestimonyFormValues & Body {
  const out: Body = {};
  for (const k of [
    'language',
    'witnessName',
    'witnessRole',
    'unit',
    'datesAndPlaces',
    'events',
    'personsInvolved',
    'knowledgeDetail',
    'interviewerNotes',
  ]) {
    out[k] = str(body[k]) ?? '';
  }
  out.knowledge = list(body.knowledge);
  const sources = list(body.sources);
  if (sources.length > 0) out.sources = sources;
  return out as TestimonyFormValues & Body;
}

const isValidation = (e: unknown): e is AppError => isAppError(e) && e.code === 'validation_failed';
const summary = (l: Locale) => m(l, 'evidence.error.summary');

/**
 * The evidence staff pages (inside the /staff scope: session and CSRF checked by its guard;
 * the file upload has its own scope below): a case's items, the applicant's messages to keep,
 * testimony with its versions and the witness's confirmation, each item's custody with the
 * consent, custody and redaction forms, the review of a redaction by a second person, the
 * export and the public key. Anyone the evidence policy refuses gets 404, nothing written.
 * Every route is in evidence.routes.matrix.test.ts.
 */
export async function evidenceRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  /** The case page, with what a refused form left (values, errors, export blocks). */
  const casePage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    extra: Partial<Pick<CaseForms, 'blocks' | 'values' | 'errors'>> & { error?: string } = {},
  ) => {
    const actor = requireStaff(request);
    const ref = param(request, 'ref');
    const row = await authoriseEvidenceCase(ctx, actor, ref);
    const facts = await actorFacts(ctx.database.db, actor, row.id);
    return sendHtml(
      reply,
      status,
      <EvidenceCasePage
        frame={
          await staffFrame(request, reply, { flashes, error: extra.error ?? errorFlashes.read(request) })
        }
        caseRef={row.ref}
        items={await listCaseEvidence(ctx, actor, row.ref)}
        grid={await consentGrid(ctx, actor, row.ref)}
        forms={{
          csrf: csrfFor(ctx, request, reply),
          messages: await listMessagesForEvidence(ctx, actor, row.ref),
          testimonies: await listTestimonies(ctx, actor, row.ref),
          canExport: canExportEvidence(actor, caseFacts(row), facts),
          ...(extra.blocks === undefined ? {} : { blocks: extra.blocks }),
          ...(extra.values === undefined ? {} : { values: extra.values }),
          ...(extra.errors === undefined ? {} : { errors: extra.errors }),
        }}
      />,
    );
  };

  app.get('/staff/evidence/cases/:ref', (request, reply) => casePage(request, reply, 200));

  app.post('/staff/evidence/cases/:ref/messages', async (request, reply) => {
    const actor = requireStaff(request);
    const ref = param(request, 'ref');
    try {
      await captureMessages(ctx, actor, ref, bodyOf(request).message);
    } catch (error) {
      if (!isValidation(error)) throw error;
      return casePage(request, reply, 400, { errors: error.fields ?? {}, error: summary(request.locale) });
    }
    return flashes.redirect(
      request,
      reply,
      `/staff/evidence/cases/${ref as string}`,
      'evidence.flash.captured',
    );
  });

  /** A new testimony: the template page, and its first version. */
  const newTestimonyPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    values: TestimonyFormValues = {},
    errors?: Record<string, string>,
  ) => {
    const actor = requireStaff(request);
    const ref = param(request, 'ref');
    const items = await listCaseEvidence(ctx, actor, ref);
    const messages = await listMessagesForEvidence(ctx, actor, ref);
    return sendHtml(
      reply,
      status,
      <TestimonyNewPage
        frame={
          await staffFrame(request, reply, errors === undefined ? {} : { error: summary(request.locale) })
        }
        csrf={csrfFor(ctx, request, reply)}
        caseRef={ref as string}
        values={values}
        {...(errors === undefined ? {} : { errors })}
        sources={items.filter((i) => i.channel !== 'testimony')}
        messages={messages}
      />,
    );
  };
  app.get('/staff/evidence/cases/:ref/testimony/new', (request, reply) =>
    newTestimonyPage(request, reply, 200),
  );
  app.post('/staff/evidence/cases/:ref/testimony', async (request, reply) => {
    const actor = requireStaff(request);
    const input = testimonyInput(bodyOf(request));
    let id: string;
    try {
      ({ id } = await recordTestimony(ctx, actor, param(request, 'ref'), input));
    } catch (error) {
      if (!isValidation(error)) throw error;
      return newTestimonyPage(request, reply, 400, input, error.fields ?? {});
    }
    return flashes.redirect(request, reply, `/staff/evidence/testimony/${id}`, 'evidence.flash.saved');
  });

  app.post('/staff/evidence/cases/:ref/export', async (request, reply) => {
    const actor = requireStaff(request);
    const body = bodyOf(request);
    const pseudonym = str(body.pseudonym)?.trim();
    const input = {
      destination: str(body.destination),
      itemIds: list(body.item),
      reason: str(body.reason) ?? '',
      ...(pseudonym === undefined || pseudonym === '' ? {} : { pseudonym }),
    };
    // Every item must be of this case (and the member an evidence officer on it): 404 otherwise.
    const row = await authoriseEvidenceCase(ctx, actor, param(request, 'ref'));
    const own = new Set((await listCaseEvidence(ctx, actor, row.ref)).map((i) => i.id));
    if (!input.itemIds.every((id) => own.has(id))) throw new AppError('not_found', 'item of another case');
    const values = {
      item: input.itemIds,
      destination: input.destination ?? '',
      reason: input.reason,
      pseudonym: pseudonym ?? '',
    };
    let exported: Awaited<ReturnType<typeof exportBundle>>;
    try {
      exported = await exportBundle(ctx, actor, input);
    } catch (error) {
      if (error instanceof ExportBlocked)
        return casePage(request, reply, 409, { blocks: error.details, values });
      if (!isValidation(error)) throw error;
      return casePage(request, reply, 400, {
        values,
        errors: error.fields ?? {},
        error: summary(request.locale),
      });
    }
    return reply
      .type('application/zip')
      .header('content-disposition', `attachment; filename="evidence-${exported.exportId}.zip"`)
      .header('cache-control', 'no-store')
      .send(Buffer.from(await zipBag(exported.bag)));
  });

  /** A testimony's page, with the values and errors of a refused form. */
  const testimonyPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    extra: { values?: TestimonyFormValues; errors?: Record<string, string> } = {},
  ) => {
    const actor = requireStaff(request);
    const id = param(request, 'id');
    const versions = await readTestimony(ctx, actor, id);
    const ref = await testimonyCase(ctx, actor, id);
    const items = await listCaseEvidence(ctx, actor, ref);
    const shown = Number((request.query as Body).version);
    return sendHtml(
      reply,
      status,
      <TestimonyPage
        frame={
          await staffFrame(request, reply, {
            flashes,
            error: extra.errors === undefined ? errorFlashes.read(request) : summary(request.locale),
          })
        }
        csrf={csrfFor(ctx, request, reply)}
        id={id as string}
        caseRef={ref}
        versions={versions}
        shown={Number.isInteger(shown) ? shown : versions.length}
        {...(extra.values === undefined ? {} : { values: extra.values })}
        {...(extra.errors === undefined ? {} : { errors: extra.errors })}
        sources={items.filter((i) => i.channel !== 'testimony')}
      />,
    );
  };
  app.get('/staff/evidence/testimony/:id', (request, reply) => testimonyPage(request, reply, 200));
  app.post('/staff/evidence/testimony/:id/versions', async (request, reply) => {
    const actor = requireStaff(request);
    const input = testimonyInput(bodyOf(request));
    try {
      await editTestimony(ctx, actor, param(request, 'id'), input);
    } catch (error) {
      if (!isValidation(error)) throw error;
      return testimonyPage(request, reply, 400, { values: input, errors: error.fields ?? {} });
    }
    return flashes.redirect(
      request,
      reply,
      `/staff/evidence/testimony/${param(request, 'id') as string}`,
      'evidence.flash.saved',
    );
  });
  app.post('/staff/evidence/testimony/:id/confirm', async (request, reply) => {
    const actor = requireStaff(request);
    const body = bodyOf(request);
    const back = `/staff/evidence/testimony/${param(request, 'id') as string}`;
    try {
      await confirmTestimony(ctx, actor, param(request, 'id'), {
        version: str(body.version),
        how: str(body.how),
      });
    } catch (error) {
      if (isAppError(error) && error.code === 'conflict')
        return errorFlashes.redirect(request, reply, back, 'evidence.flash.conflict');
      if (!isValidation(error)) throw error;
      return testimonyPage(request, reply, 400, { errors: error.fields ?? {} });
    }
    return flashes.redirect(request, reply, back, 'evidence.flash.confirmed');
  });

  /** An item's page: custody, redactions and the forms, with what a refused form left. */
  const itemPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    extra: { values?: Record<string, string>; errors?: Record<string, string> } = {},
  ) => {
    const actor = requireStaff(request);
    const id = param(request, 'id');
    const item = await readItem(ctx, actor, id);
    return sendHtml(
      reply,
      status,
      <CustodyPage
        frame={
          await staffFrame(request, reply, {
            flashes,
            error: extra.errors === undefined ? errorFlashes.read(request) : summary(request.locale),
          })
        }
        item={item}
        events={await readCustody(ctx, actor, item.id)}
        label={(who) => who.slice(0, 8)}
        csrf={csrfFor(ctx, request, reply)}
        redactions={await itemRedactions(ctx, item.id)}
        links={await itemLinks(ctx, actor, item.id)}
        {...(extra.values === undefined ? {} : { values: extra.values })}
        {...(extra.errors === undefined ? {} : { errors: extra.errors })}
      />,
    );
  };
  app.get('/staff/evidence/items/:id', (request, reply) => itemPage(request, reply, 200));

  /** Runs an item form: a field error re-renders the item page (400), a conflict redirects with a notice. */
  const itemAct = async (
    request: FastifyRequest,
    reply: FastifyReply,
    work: (body: Body) => Promise<unknown>,
    done: Parameters<typeof flashes.redirect>[3],
    next?: (result: unknown) => string,
  ) => {
    const body = bodyOf(request);
    const back = `/staff/evidence/items/${param(request, 'id') as string}`;
    let result: unknown;
    try {
      result = await work(body);
    } catch (error) {
      if (isAppError(error) && error.code === 'conflict')
        return errorFlashes.redirect(request, reply, back, 'evidence.flash.conflict');
      if (!isValidation(error)) throw error;
      const values: Record<string, string> = {};
      for (const [k, v] of Object.entries(body))
        if (k !== '_csrf' && typeof v === 'string') values[k] = v.slice(0, 4000);
      return itemPage(request, reply, 400, { values, errors: error.fields ?? {} });
    }
    return flashes.redirect(request, reply, next?.(result) ?? back, done);
  };
  app.post('/staff/evidence/items/:id/consent', (request, reply) =>
    itemAct(
      request,
      reply,
      (b) => {
        const how = str(b.how);
        const notes = str(b.notes)?.trim();
        return recordConsent(ctx, requireStaff(request), param(request, 'id'), {
          destination: str(b.destination),
          status: str(b.status),
          identity: str(b.identity),
          ...(how === undefined || how === '' ? {} : { how }),
          ...(notes === undefined || notes === '' ? {} : { notes }),
        });
      },
      'evidence.flash.consent',
    ),
  );
  app.post('/staff/evidence/items/:id/custody', (request, reply) =>
    itemAct(
      request,
      reply,
      (b) =>
        recordCustodyEvent(ctx, requireStaff(request), param(request, 'id'), {
          action: b.action,
          reason: b.reason,
        }),
      'evidence.flash.event',
    ),
  );
  app.post('/staff/evidence/items/:id/redactions', (request, reply) =>
    itemAct(
      request,
      reply,
      async (b) => {
        const actor = requireStaff(request);
        const item = await readItem(ctx, actor, param(request, 'id'));
        return item.channel === 'testimony'
          ? prepareRedaction(ctx, actor, item.id, { pseudonym: b.pseudonym })
          : prepareImageRedaction(ctx, actor, item.id, { regions: b.regions, mode: b.mode });
      },
      'evidence.flash.prepared',
      (r) => `/staff/evidence/redactions/${(r as { id: string }).id}`,
    ),
  );

  /** Links to units and commanders (ADR 0199): `remove` names a link of this item to remove. */
  app.post('/staff/evidence/items/:id/links', async (request, reply) => {
    const remove = bodyOf(request).remove;
    if (remove !== undefined) {
      await removeLink(ctx, requireStaff(request), param(request, 'id'), remove);
      const back = `/staff/evidence/items/${param(request, 'id') as string}`;
      return flashes.redirect(request, reply, back, 'evidence.flash.unlinked');
    }
    return itemAct(
      request,
      reply,
      (b) => addLink(ctx, requireStaff(request), param(request, 'id'), { kind: b.kind, name: b.name }),
      'evidence.flash.linked',
    );
  });

  /** The list across cases of the items naming one unit or commander, within the reader's access. */
  const unitsPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    extra: Omit<Parameters<typeof UnitsPage>[0], 'frame' | 'csrf'> = {},
  ) =>
    sendHtml(
      reply,
      status,
      <UnitsPage
        frame={
          await staffFrame(
            request,
            reply,
            extra.errors === undefined ? {} : { error: summary(request.locale) },
          )
        }
        csrf={csrfFor(ctx, request, reply)}
        {...extra}
      />,
    );
  app.get('/staff/evidence/units', async (request, reply) => {
    const actor = requireStaff(request);
    const link = (request.query as Body).link;
    if (link !== undefined)
      return unitsPage(request, reply, 200, { list: await listLinkedFrom(ctx, actor, link) });
    if (!canListLinks(actor)) throw new AppError('not_found', 'evidence links');
    return unitsPage(request, reply, 200);
  });
  app.post('/staff/evidence/units', async (request, reply) => {
    const actor = requireStaff(request);
    const body = bodyOf(request);
    const input = { kind: str(body.kind) ?? '', name: (str(body.name) ?? '').slice(0, 400) };
    try {
      return unitsPage(request, reply, 200, { list: await listLinked(ctx, actor, input) });
    } catch (error) {
      if (!isValidation(error)) throw error;
      return unitsPage(request, reply, 400, { values: input, errors: error.fields ?? {} });
    }
  });

  /** Choosing regions on the photo: each click of the image button comes back here (GET, no JS). */
  app.get('/staff/evidence/items/:id/regions', async (request, reply) => {
    const actor = requireStaff(request);
    const id = param(request, 'id');
    const size = await photoSize(ctx, actor, id);
    if (size === undefined) throw new AppError('not_found', 'not a photo');
    const query = request.query as Body;
    let regions = (str(query.regions) ?? '').slice(0, 4000);
    const mode = query.mode === 'remove' ? 'remove' : 'blur';
    const shown = displaySize(size, query.dw);
    const at = { x: Number(query['at.x']), y: Number(query['at.y']) };
    const clicked = Number.isInteger(at.x) && Number.isInteger(at.y) && at.x >= 0 && at.y >= 0;
    const prior = /^(\d{1,6}),(\d{1,6})$/.exec(str(query.corner) ?? '');
    let corner: { x: number; y: number } | undefined;
    if (clicked && prior === null) corner = toPicture(at, shown, size);
    else if (clicked && prior !== null) {
      const first = {
        x: Math.min(Number(prior[1]), size.width - 1),
        y: Math.min(Number(prior[2]), size.height - 1),
      };
      const line = regionBetween(first, toPicture(at, shown, size), shown, size);
      regions = regions.trim() === '' ? line : `${regions.trim()}\n${line}`;
    }
    return sendHtml(
      reply,
      200,
      <ChooseRegionsPage
        frame={await staffFrame(request, reply)}
        csrf={csrfFor(ctx, request, reply)}
        itemId={id as string}
        size={size}
        shown={shown}
        regions={regions}
        corner={corner}
        mode={mode}
      />,
    );
  });

  /** The photo upright without metadata, for choosing regions (a "viewed" custody event). */
  app.get('/staff/evidence/items/:id/preview', async (request, reply) => {
    const preview = await previewForRedaction(ctx, requireStaff(request), param(request, 'id'));
    return reply
      .type(preview.mediaType)
      .header('cache-control', 'no-store')
      .header('content-disposition', 'inline')
      .send(preview.data);
  });

  app.get('/staff/evidence/redactions/:id', async (request, reply) => {
    const actor = requireStaff(request);
    const redaction = await readRedaction(ctx, actor, param(request, 'id'));
    const { image: _image, ...view } = redaction;
    return sendHtml(
      reply,
      200,
      <RedactionReviewPage
        frame={await staffFrame(request, reply, { flashes, error: errorFlashes.read(request) })}
        csrf={csrfFor(ctx, request, reply)}
        redaction={view}
        own={actor.kind === 'staff' && view.preparedBy === actor.id}
      />,
    );
  });

  /** The redacted copy of a photo (our own re-encoded bytes, without metadata). */
  app.get('/staff/evidence/redactions/:id/image', async (request, reply) => {
    const redaction = await readRedaction(ctx, requireStaff(request), param(request, 'id'));
    if (redaction.image === undefined) throw new AppError('not_found', 'not a photo redaction');
    return reply.type(redaction.mediaType).header('cache-control', 'no-store').send(redaction.image);
  });

  app.post('/staff/evidence/redactions/:id/confirm', async (request, reply) => {
    const back = `/staff/evidence/redactions/${param(request, 'id') as string}`;
    try {
      await confirmRedaction(ctx, requireStaff(request), param(request, 'id'));
    } catch (error) {
      if (isAppError(error) && error.code === 'conflict')
        return errorFlashes.redirect(request, reply, back, 'evidence.flash.conflict');
      throw error;
    }
    return flashes.redirect(request, reply, back, 'evidence.flash.reviewed');
  });

  /** The public evidence key (PEM), for recipients of bundles: evidence officers only. */
  app.get('/staff/evidence/key', async (request, reply) => {
    const actor = requireStaff(request);
    if (actor.kind !== 'staff' || !roleHas(actor.role, 'evidence.custody'))
      throw new AppError('not_found', 'evidence key');
    return reply
      .type('application/x-pem-file')
      .header('content-disposition', 'attachment; filename="evidence-key.pem"')
      .send(evidencePublicKey(ctx));
  });
}

/**
 * A file kept as evidence (multipart), in its own scope: the /staff guard checks the CSRF field
 * of a parsed form body, but a multipart body is read here as a stream, so this scope loads the
 * session itself and checks the CSRF field, which the form sends first, before reading the file.
 * The file goes through intake's checks (magic bytes, stripping of the working copy) and is hashed
 * on arrival by the upload hook; only a member who may write the case may add one (404 otherwise).
 */
export async function evidenceUploadRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(multipart, { throwFileSizeLimit: false });
  app.decorateRequest('staff', null);
  app.addHook('preHandler', async (request) => {
    await loadStaffSession(ctx, request);
  });
  app.post('/staff/evidence/cases/:ref/files', async (request, reply) => {
    const actor = requireStaff(request);
    const row = await authoriseEvidenceCase(ctx, actor, param(request, 'ref'));
    const limit = ctx.config.intake.maxUploadBytes;
    const { fields, file, truncated, fileName } = await readStaffUpload(ctx, request, {
      fileSize: Math.max(limit, ctx.config.evidenceRecordingMaxBytes),
      fields: ['channel'],
    });
    const back = `/staff/evidence/cases/${row.ref}`;
    const data = file ?? Buffer.alloc(0);
    try {
      // A recording (by its magic bytes) is kept as it is; any other file goes through intake's checks.
      if (sniffRecording(data) !== undefined) {
        await addRecording(ctx, actor, row.ref, { data, fileName, truncated });
      } else {
        await addCaseDocument(ctx, intakeRuntimeOf(ctx), actor, row.ref, {
          data,
          fileName,
          truncated: truncated || data.length > limit,
          asEvidence: fields.channel === 'interview' ? 'interview' : 'staff_upload',
        });
      }
    } catch (error) {
      if (isAppError(error) && error.fields?.file !== undefined && error.status < 500)
        return errorFlashes.redirect(request, reply, back, 'evidence.error.file');
      throw error;
    } finally {
      file?.fill(0);
    }
    return flashes.redirect(request, reply, back, 'evidence.flash.uploaded');
  });
}
