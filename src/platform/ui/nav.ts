import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Locale, type MessageKey, t } from '../i18n/index.ts';

/**
 * The staff navigation registry. Each module adds its entries when it is mounted
 * (`addStaffNav(app, …)` in its routes function); the staff page frame renders the entries
 * the signed-in member may see, in their order, then "signed in as" and the sign-out form.
 * One registry per built app (a Fastify decoration of the root instance), so test apps never
 * share one. The auth module supplies the session part (who is signed in, the CSRF token),
 * so the platform knows no module, and auth knows no feature.
 */
export interface StaffNavEntry<A> {
  /** The page's path without a query (the frame adds `?lang=`). */
  readonly href: string;
  /** A key of the central catalogue, or a module's own translation. */
  readonly label: MessageKey | ((locale: Locale) => string);
  /** Whether this member sees the entry (the module's own policy). */
  readonly visible: (actor: A) => boolean;
  /** Position in the bar, lowest first (Home 10, Cases 20, Vetting 30, Admin 40, Pathways review 50). */
  readonly order: number;
  /** A number shown beside the label when above 0 (unread notifications, issue 21 item 3). */
  readonly count?: (request: FastifyRequest, actor: A) => Promise<number>;
}

/** What the auth module tells the frame about the signed-in member. */
export interface StaffNavSession<A> {
  /** The signed-in member of this request, or null (the sign-in page has no navigation). */
  readonly actor: (request: FastifyRequest) => A | null;
  /** "Signed in as …" (translated) and the CSRF token of the sign-out form. */
  readonly describe: (
    request: FastifyRequest,
    reply: FastifyReply,
    actor: A,
  ) => Promise<{ signedInAs: string; csrf: string }>;
  /** Where the sign-out form posts. */
  readonly signOutAction: string;
}

/** The resolved navigation of one page: translated, filtered, ordered. */
export interface StaffNavModel {
  readonly links: readonly { readonly href: string; readonly label: string; readonly count?: number }[];
  readonly signedInAs: string;
  readonly csrf: string;
  readonly signOutAction: string;
}

export class StaffNavRegistry<A> {
  #entries: StaffNavEntry<A>[] = [];
  #session: StaffNavSession<A> | undefined;

  /** Adds entries; an href registered twice is a wiring mistake and throws at start-up. */
  add(...entries: StaffNavEntry<A>[]): void {
    for (const entry of entries) {
      if (this.#entries.some((e) => e.href === entry.href)) {
        throw new Error(`staff navigation: ${entry.href} registered twice`);
      }
      this.#entries.push(entry);
    }
    this.#entries.sort((a, b) => a.order - b.order);
  }

  /** Sets the session part (once, by the auth module). */
  setSession(session: StaffNavSession<A>): void {
    if (this.#session !== undefined) throw new Error('staff navigation: session set twice');
    this.#session = session;
  }

  /** The entries this member sees, in order. */
  entriesFor(actor: A): readonly StaffNavEntry<A>[] {
    return this.#entries.filter((e) => e.visible(actor));
  }

  /** The navigation of the page being rendered, or undefined when nobody is signed in. */
  async resolve(request: FastifyRequest, reply: FastifyReply): Promise<StaffNavModel | undefined> {
    const session = this.#session;
    const actor = session?.actor(request) ?? null;
    if (session === undefined || actor === null) return undefined;
    const l = request.locale;
    const { signedInAs, csrf } = await session.describe(request, reply, actor);
    return {
      links: await Promise.all(
        this.entriesFor(actor).map(async (e) => ({
          href: e.href,
          label: typeof e.label === 'function' ? e.label(l) : t(l, e.label),
          ...(e.count === undefined ? {} : { count: await e.count(request, actor) }),
        })),
      ),
      signedInAs,
      csrf,
      signOutAction: session.signOutAction,
    };
  }
}

/** The member type of the app's registry (declared once, by the composition root, app.ts). */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by declaration merging in app.ts
export interface StaffNavActor {}

declare module 'fastify' {
  interface FastifyInstance {
    staffNav: StaffNavRegistry<StaffNavActor>;
  }
}

/** Gives a built app its own, empty registry (app.ts, before any module is mounted). */
export function provideStaffNav(app: FastifyInstance): void {
  app.decorate('staffNav', new StaffNavRegistry<StaffNavActor>());
}

/** Adds a module's entries to the app's registry (from the module's routes function). */
export function addStaffNav(app: FastifyInstance, ...entries: StaffNavEntry<StaffNavActor>[]): void {
  app.staffNav.add(...entries);
}

/** The navigation of this request's page (undefined when the app has no registry or no one is signed in). */
export function resolveStaffNav(
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<StaffNavModel | undefined> {
  const registry = (request.server as Partial<FastifyInstance>).staffNav;
  return registry === undefined ? Promise.resolve(undefined) : registry.resolve(request, reply);
}
