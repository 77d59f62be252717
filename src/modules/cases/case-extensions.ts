import type { VNode } from 'preact';
import type { AppContext } from '../../context.ts';
import type { DataKey } from '../../crypto/index.ts';
import type { Db } from '../../db/database.ts';
import type { Locale } from '../../platform/i18n/index.ts';

/**
 * What a module built on the case core adds to the case page, registered when that module
 * is loaded (case pathways: its saved checks on the timeline and its "check pathways" link),
 * so that the case core never imports it.
 */

/**
 * The timeline entries of registered sources, by source name. A module that registers a
 * source declares its entry's shape here by augmentation (`declare module
 * '../cases/case-extensions.ts' { interface TimelineExtensions { pathways: … } }`), so the
 * case file's timeline stays one typed union without the core naming that module.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by module augmentation (see above)
export interface TimelineExtensions {}

/** What every entry of a registered source has (its `kind` is the source's name). */
export interface ExtensionTimelineBase {
  kind: string;
  seq: number;
  at: Date;
  by: string | null;
  caseRef: string;
}

export type ExtensionTimelineItem = TimelineExtensions[keyof TimelineExtensions];

export interface TimelineSource<R = unknown> {
  /** The source's name, unique (e.g. "pathways"): the `kind` of its entries. */
  name: string;
  /** The rows of one case (read once per page, no decryption yet). */
  load(db: Db, caseId: string): Promise<R[]>;
  /** Staff ids the rows name: looked up with the rest of the page's labels, once. */
  staffIds(rows: readonly R[]): Array<string | null>;
  /** The entries, decrypted with the case key the page has already opened. */
  items(
    key: DataKey,
    rows: readonly R[],
    label: (id: string | null) => string | null,
    caseRef: string,
  ): ExtensionTimelineItem[];
  /** How an entry shows on the case page. */
  render(locale: Locale, item: ExtensionTimelineItem): VNode | null;
}

const sources = new Map<string, TimelineSource>();
const links: Array<(locale: Locale, caseBase: string) => VNode> = [];

/** Registers a timeline source (at import time of its module; a second registration replaces the first). */
export function registerTimelineSource<R>(source: TimelineSource<R>): void {
  sources.set(source.name, source as unknown as TimelineSource);
}

export function timelineSources(): TimelineSource[] {
  return [...sources.values()];
}

export function timelineSource(name: string): TimelineSource | undefined {
  return sources.get(name);
}

/** Registers a link shown among the case page's actions (content access only). */
export function registerCasePageLink(link: (locale: Locale, caseBase: string) => VNode): void {
  if (!links.includes(link)) links.push(link);
}

export function casePageLinks(): ReadonlyArray<(locale: Locale, caseBase: string) => VNode> {
  return links;
}

const notices: Array<(locale: Locale, c: { restricted: boolean }) => VNode | null> = [];

/**
 * Registers a notice shown at the top of a case's page, decided from the case's facts (the
 * high-assurance path's reminder on a restricted case, ADR 0160).
 */
export function registerCasePageNotice(
  notice: (locale: Locale, c: { restricted: boolean }) => VNode | null,
): void {
  if (!notices.includes(notice)) notices.push(notice);
}

export function casePageNotices(): ReadonlyArray<
  (locale: Locale, c: { restricted: boolean }) => VNode | null
> {
  return notices;
}

const answersViews: Array<(locale: Locale, answers: Readonly<Record<string, string>>) => VNode | null> = [];
const ownedAnswerKeys: Array<(key: string) => boolean> = [];

/**
 * Registers a readable view of some of a case's intake answers, shown in the answers section
 * (the organisation's own questions, by the version they answered: ADR 0195). `owns` names
 * the answers' keys the view shows: they stay out of the free-text answers box (whose lines
 * are "question: answer" for a person to edit), are kept as they were when the box is saved,
 * and a line in the box naming one is refused (a custom answer is not re-typed by hand: ADR 0212).
 */
export function registerCaseAnswersView(
  view: (locale: Locale, answers: Readonly<Record<string, string>>) => VNode | null,
  owns?: (key: string) => boolean,
): void {
  if (!answersViews.includes(view)) answersViews.push(view);
  if (owns !== undefined && !ownedAnswerKeys.includes(owns)) ownedAnswerKeys.push(owns);
}

export function caseAnswersViews(): ReadonlyArray<
  (locale: Locale, answers: Readonly<Record<string, string>>) => VNode | null
> {
  return answersViews;
}

/** A registered view's answers as "question: answer" lines, for the case summary PDF. */
export type CaseAnswersText = (
  ctx: AppContext,
  locale: Locale,
  answers: Readonly<Record<string, string>>,
) => ReadonlyArray<readonly [string, string]>;
const answersTexts: CaseAnswersText[] = [];

/**
 * Registers the text form of a registered answers view: the case summary PDF prints the answers
 * a view owns through it (the organisation's question labels, readable choices), never their keys.
 */
export function registerCaseAnswersText(text: CaseAnswersText): void {
  if (!answersTexts.includes(text)) answersTexts.push(text);
}

/** A case's answers as lines for a document: the free-text ones as stored, the owned ones through their views' text. */
export function caseAnswerLines(
  ctx: AppContext,
  locale: Locale,
  answers: Readonly<Record<string, string>>,
): Array<readonly [string, string]> {
  const { owned, free } = splitCaseAnswers(answers);
  const lines: Array<readonly [string, string]> = Object.entries(free);
  if (Object.keys(owned).length > 0) for (const text of answersTexts) lines.push(...text(ctx, locale, owned));
  return lines;
}

/** Whether a registered answers view shows (and so owns) this answer's key. */
export function isOwnedAnswerKey(key: string): boolean {
  return ownedAnswerKeys.some((owns) => owns(key));
}

/** The answers split into those a registered view owns and those edited as free text. */
export function splitCaseAnswers(answers: Readonly<Record<string, string>>): {
  owned: Record<string, string>;
  free: Record<string, string>;
} {
  const owned: Record<string, string> = {};
  const free: Record<string, string> = {};
  for (const [k, v] of Object.entries(answers)) (isOwnedAnswerKey(k) ? owned : free)[k] = v;
  return { owned, free };
}
