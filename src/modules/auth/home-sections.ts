import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import type { StaffActor } from '../../access/index.ts';

/**
 * The staff home page's sections (issue 21 item 3): auth owns `/staff` (the welcome, the
 * account links, "Seal now"); other modules add what the signed-in member should see first,
 * in the order they are mounted. One list per staff scope (a Fastify decoration), so test apps
 * never share one. The duress decoy (duress.tsx) renders none of them: nothing from the database.
 */
export type HomeSection = (
  request: FastifyRequest,
  reply: FastifyReply,
  actor: StaffActor,
) => Promise<ComponentChildren>;

declare module 'fastify' {
  interface FastifyInstance {
    staffHomeSections?: HomeSection[];
  }
}

/** Gives the staff scope its list (authRoutes, before the feature modules are mounted). */
export function provideHomeSections(app: FastifyInstance): HomeSection[] {
  const sections: HomeSection[] = [];
  app.decorate('staffHomeSections', sections);
  return sections;
}

/** Adds a section to the home page (from a module's routes function, mounted after auth's). */
export function addHomeSection(app: FastifyInstance, section: HomeSection): void {
  const sections = app.staffHomeSections;
  if (sections === undefined) throw new Error('home sections: mount the auth routes first');
  sections.push(section);
}
