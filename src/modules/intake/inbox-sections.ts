import type { VNode } from 'preact';
import type { AppContext } from '../../context.ts';
import type { Locale } from '../../platform/i18n/index.ts';

/**
 * What another module shows in the applicant's inbox, registered when that module is mounted
 * (referrals: the consent requests waiting for the applicant), so that intake never imports it.
 * A section is rendered for the signed-in applicant's own case only, with the inbox's CSRF token.
 */
export type InboxSection = (
  ctx: AppContext,
  input: { caseId: string; locale: Locale; csrf: string },
) => Promise<VNode | null>;

const sections = new Set<InboxSection>();

/** Registers a section (the same function twice is one section). */
export function registerInboxSection(section: InboxSection): void {
  sections.add(section);
}

export async function renderInboxSections(
  ctx: AppContext,
  input: { caseId: string; locale: Locale; csrf: string },
): Promise<VNode[]> {
  const out: VNode[] = [];
  for (const section of sections) {
    const node = await section(ctx, input);
    if (node !== null) out.push(node);
  }
  return out;
}
