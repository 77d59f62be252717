import type { FastifyInstance } from 'fastify';
import { roleHas } from '../../access/index.ts';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../platform/errors.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import { sendHtml, staffFrame } from '../../platform/ui/index.ts';
import { requireStaff } from '../auth/index.ts';
import { registerCasePageLink } from '../cases/index.ts';
import { evidenceMessages as m } from './evidence.messages.ts';
import { consentGrid } from './consent.service.ts';
import { listCaseEvidence, readCustody } from './evidence.service.ts';
import { EvidenceCasePage, CustodyPage } from './evidence.views.tsx';
import { evidencePublicKey } from './export.service.ts';

/** The case page's link to its evidence (the evidence page decides who may open it). */
function evidenceLink(locale: Locale, caseBase: string) {
  return (
    <a href={`${caseBase.replace('/staff/cases/', '/staff/evidence/cases/')}?lang=${locale}`}>
      {m(locale, 'evidence.case.link')}
    </a>
  );
}
registerCasePageLink(evidenceLink);

/**
 * The evidence staff pages (inside the /staff scope: session and CSRF checked by its guard):
 * a case's items with their arrival hashes and the consent grid, an item's custody, and the
 * organisation's public evidence key for recipients. Anyone the evidence policy refuses gets 404.
 */
export async function evidenceRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get<{ Params: { ref: string } }>('/staff/evidence/cases/:ref', async (request, reply) => {
    const actor = requireStaff(request);
    const items = await listCaseEvidence(ctx, actor, request.params.ref);
    const grid = await consentGrid(ctx, actor, request.params.ref);
    return sendHtml(
      reply,
      200,
      <EvidenceCasePage
        frame={await staffFrame(request, reply)}
        caseRef={request.params.ref}
        items={items}
        grid={grid}
      />,
    );
  });

  app.get<{ Params: { id: string } }>('/staff/evidence/items/:id', async (request, reply) => {
    const events = await readCustody(ctx, requireStaff(request), request.params.id);
    return sendHtml(
      reply,
      200,
      <CustodyPage
        frame={await staffFrame(request, reply)}
        itemId={request.params.id}
        events={events}
        label={(id) => id.slice(0, 8)}
      />,
    );
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
