import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { isAppError } from '../../platform/errors.ts';
import { defineFlashes, sendHtml, staffFrame } from '../../platform/ui/index.ts';
import { csrfFor, requireStaff } from '../auth/index.ts';
import {
  addBookkeepingCurrency,
  correctTransfer,
  getBookkeeping,
  openBookkeepingAccount,
  recordBookkeepingConversion,
  recordBookkeepingMove,
  recordBookkeepingRate,
} from './ledger.bookkeeping.ts';
import { ledgerBookkeepingMessages as m } from './ledger.bookkeeping.messages.ts';
import {
  type BookkeepingFailure,
  type BookkeepingForm,
  BookkeepingView,
} from './ledger.bookkeeping.views.tsx';

/**
 * The bookkeeping page (`/staff/ledger/bookkeeping`, inside the /staff scope: session and CSRF
 * checked by its guard). Each POST calls one service function, which authorises first (404 for
 * everyone but finance officers). A refused form comes back with its field marked (400), or
 * with the reason for a limit (409, "not enough funds") or a conflict (409). Every route has an
 * entry in ledger.routes.matrix.test.ts.
 */
const PAGE = '/staff/ledger/bookkeeping';

const flashes = defineFlashes(
  [
    'ledger.book.flash.account',
    'ledger.book.flash.moved',
    'ledger.book.flash.rate',
    'ledger.book.flash.converted',
    'ledger.book.flash.corrected',
    'ledger.book.flash.currency',
    'ledger.book.flash.rate_requested',
  ],
  m,
);

type Body = Record<string, unknown>;
type Flash = Parameters<typeof flashes.redirect>[3];
const RATE_REQUESTED: Flash = 'ledger.book.flash.rate_requested';

/** The form's text values to show again (never more than a field's worth). */
function valuesOf(body: Body, keepId: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) {
    if (typeof v === 'string' && k !== '_csrf' && (keepId || k !== 'id')) out[k] = v.slice(0, 300);
  }
  return out;
}

async function render(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  failure?: BookkeepingFailure & { message: string },
): Promise<FastifyReply> {
  const book = await getBookkeeping(ctx, requireStaff(request));
  return sendHtml(
    reply,
    status,
    <BookkeepingView
      frame={
        await staffFrame(request, reply, {
          flashes,
          ...(failure === undefined ? {} : { error: failure.message }),
        })
      }
      csrf={csrfFor(ctx, request, reply)}
      book={book}
      {...(failure === undefined ? {} : { failure })}
    />,
  );
}

export async function ledgerBookkeepingRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get(PAGE, (request, reply) => render(ctx, request, reply, 200));

  const form =
    (
      name: BookkeepingForm | ((body: Body) => BookkeepingForm),
      /** May answer RATE_REQUESTED instead of the usual flash (a rate filed for a second person). */
      action: (actor: ReturnType<typeof requireStaff>, body: Body) => Promise<unknown>,
      flash: Flash,
    ) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const actor = requireStaff(request);
      const body = (request.body as Body | undefined) ?? {};
      let answered: unknown;
      try {
        answered = await action(actor, body);
      } catch (error) {
        if (!isAppError(error)) throw error;
        const which = typeof name === 'function' ? name(body) : name;
        const l = request.locale;
        if (error.code === 'validation_failed') {
          return render(ctx, request, reply, 400, {
            form: which,
            errors: error.fields,
            values: valuesOf(body, true),
            message: m(l, 'ledger.book.error.invalid'),
          });
        }
        if (
          error.code === 'conflict' ||
          error.code === 'idempotency_conflict' ||
          error.code === 'ledger_limit'
        ) {
          const taken = error.fields?.code === 'field.taken';
          return render(ctx, request, reply, 409, {
            form: which,
            errors: taken ? { code: 'ledger.book.error.code_taken' } : undefined,
            // A new id for the next try: this one is spent (or names another request).
            values: valuesOf(body, false),
            message: m(
              l,
              error.code === 'ledger_limit'
                ? 'ledger.book.error.limit'
                : taken
                  ? 'ledger.book.error.code_taken'
                  : 'ledger.book.error.conflict',
            ),
          });
        }
        throw error;
      }
      return flashes.redirect(request, reply, PAGE, answered === RATE_REQUESTED ? RATE_REQUESTED : flash);
    };

  app.post(
    `${PAGE}/currencies`,
    form('currency', (a, b) => addBookkeepingCurrency(ctx, a, b), 'ledger.book.flash.currency'),
  );
  app.post(
    `${PAGE}/accounts`,
    form('account', (a, b) => openBookkeepingAccount(ctx, a, b), 'ledger.book.flash.account'),
  );
  app.post(
    `${PAGE}/transfers`,
    form(
      (b) => (b.kind === 'allocation' ? 'allocation' : 'deposit'),
      (a, b) => recordBookkeepingMove(ctx, a, b),
      'ledger.book.flash.moved',
    ),
  );
  // A rate to the base currency waits for a second person: the flash says so, not "recorded".
  app.post(
    `${PAGE}/rates`,
    form(
      'rate',
      async (a, b) => ((await recordBookkeepingRate(ctx, a, b)) === 'requested' ? RATE_REQUESTED : undefined),
      'ledger.book.flash.rate',
    ),
  );
  app.post(
    `${PAGE}/conversions`,
    form('convert', (a, b) => recordBookkeepingConversion(ctx, a, b), 'ledger.book.flash.converted'),
  );
  app.post(
    `${PAGE}/corrections`,
    form('correct', (a, b) => correctTransfer(ctx, a, b), 'ledger.book.flash.corrected'),
  );
}
