import type { VNode } from 'preact';
import type { AppContext } from '../../context.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import { renderScope } from '../../platform/ui/index.ts';

/**
 * What the organisation sets without code (issue 21 item 5, ADR 0193): its name, logo,
 * contacts, welcome text and privacy notice on every applicant page, and its own optional
 * questions on the intake form. The organisation module provides them through this hook (set
 * up in the composition root), so intake never imports it; with nothing registered or nothing
 * published, the catalogue texts are the defaults.
 */
export interface ApplicantBranding {
  /** The published version these come from (0 for none). */
  version: number;
  name?: string | undefined;
  logo?: { src: string; width: number; height: number } | undefined;
  /** The organisation's public channels, in the order to show them. */
  contacts: ReadonlyArray<{ label: string; value: string; href?: string | undefined }>;
  /** Plain text; a blank line separates paragraphs. Never HTML. */
  welcome?: string | undefined;
  privacy?: string | undefined;
}

/** The answers to the organisation's own questions, as the case stores them (question → answer). */
export type CustomAnswers =
  | { ok: true; record: Record<string, string> }
  | { ok: false; errors: Record<string, string> };

export interface ApplicantCustomisation {
  /** The published branding in a language; never waits (it reads what is loaded). */
  branding(ctx: AppContext, locale: Locale): ApplicantBranding | undefined;
  /** The questions block of the intake form (the posted form's values, errors by field name), or null. */
  questionsBlock(
    ctx: AppContext,
    locale: Locale,
    body: unknown,
    errors: Readonly<Record<string, string>>,
  ): VNode | null;
  /**
   * Checks the answers to the published questions in a posted form (required, type, length):
   * the record to store with the case (its keys name the questions' version), or field errors
   * (message keys).
   */
  readAnswers(ctx: AppContext, body: unknown): CustomAnswers;
  /** Brings the loaded settings up to date (another process may have published). */
  refresh(ctx: AppContext): Promise<void>;
}

let registered: ApplicantCustomisation | undefined;

/** Registers the organisation's customisation (once, from the composition root). */
export function registerApplicantCustomisation(customisation: ApplicantCustomisation): void {
  registered = customisation;
}

export function applicantCustomisation(): ApplicantCustomisation | undefined {
  return registered;
}

/**
 * The branding of the page being rendered: a page rendered inside `withBranding` sees exactly
 * the branding it was given (the staff preview renders a draft this way).
 */
const brandingScope = renderScope<ApplicantBranding>();
export const withBranding = brandingScope.run;
export const currentBranding = brandingScope.current;

/** The published branding of an app in a language (undefined: the catalogue's defaults). */
export function brandingFor(ctx: AppContext | undefined, locale: Locale): ApplicantBranding | undefined {
  return ctx === undefined ? undefined : registered?.branding(ctx, locale);
}

/** Splits plain text into paragraphs at blank lines (rendered escaped, one <p> each). */
export function paragraphs(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
}
