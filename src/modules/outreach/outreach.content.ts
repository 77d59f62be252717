/**
 * The outreach guides (issue 20, ADR 0155): Markdown files in content/outreach, one per guide and
 * language, whose statements of fact are the pathways facts themselves (`{{fact id}}`), so a
 * statement made both in the pathways advice and in a guide has one source of truth, one review
 * date and one list of sources. Adding a language is a content change: languages.yaml,
 * strings/<code>.yaml and the guides' <code>.md files.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import MarkdownIt from 'markdown-it';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { type KnowledgeBase, loadKnowledgeBase } from '../pathways/index.ts';

export const defaultOutreachDir = fileURLToPath(new URL('../../../content/outreach/', import.meta.url));

const MAX_FILE_BYTES = 64 * 1024;
const codeSchema = z.string().regex(/^[a-z]{2,3}(-[a-z0-9]{2,8})?$/, 'a language code such as ru or crh');
const slugSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes');
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');

const languagesSchema = z.strictObject({
  languages: z
    .array(
      z.strictObject({
        code: codeSchema,
        name: z.string().min(1).max(40),
        fallback: z.array(codeSchema).default([]),
      }),
    )
    .min(1),
});

/** Every string the static site needs; a language's strings file must have them all. */
export const siteStringKeys = [
  'siteTitle',
  'tagline',
  'guides',
  'contact',
  'contactText',
  'web',
  'onion',
  'telegram',
  'sources',
  'reviewed',
  'uncertain',
  'fallbackNote',
  'checkCopy',
  'checkCopyText',
  'languages',
  'notAdvice',
  'leafletHeadline',
  'leafletText',
  'leafletCodename',
  'discreetTitle',
  'discreetText',
] as const;
export type SiteStrings = Record<(typeof siteStringKeys)[number], string>;
const stringsSchema = z.strictObject(
  Object.fromEntries(siteStringKeys.map((k) => [k, z.string().min(1).max(400)])) as Record<
    (typeof siteStringKeys)[number],
    z.ZodString
  >,
);

const frontMatterSchema = z.strictObject({
  title: z.string().min(3).max(120),
  summary: z.string().min(3).max(300),
  reviewed: isoDate,
  reviewEveryDays: z.number().int().min(1).max(365),
  /** Sources cited by the connecting text itself, beyond those of the facts it includes. */
  sources: z.array(z.string()).optional(),
});

export interface OutreachLanguage {
  code: string;
  name: string;
  fallback: readonly string[];
}

/** One guide in one language, parsed and checked; `body` is still Markdown. */
export interface GuideText {
  slug: string;
  lang: string;
  title: string;
  summary: string;
  reviewed: string;
  reviewEveryDays: number;
  sources: readonly string[];
  /** The facts it includes, in order of first use. */
  facts: readonly string[];
  body: string;
}

export interface OutreachContent {
  /** SHA-256 over the outreach files and the pathways content version. */
  version: string;
  languages: readonly OutreachLanguage[];
  strings: ReadonlyMap<string, SiteStrings>;
  /** Guide slugs in their display order (content/outreach/guides/order.yaml, else by name). */
  slugs: readonly string[];
  /** slug → language → text. */
  guides: ReadonlyMap<string, ReadonlyMap<string, GuideText>>;
  knowledge: KnowledgeBase;
}

/** The outreach content is invalid; every problem is listed, one per line. */
export class OutreachContentError extends Error {
  readonly issues: readonly string[];
  constructor(issues: string[]) {
    super(`outreach content is invalid:\n  ${issues.join('\n  ')}`);
    this.name = 'OutreachContentError';
    this.issues = issues;
  }
}

const FACT_LINE = /^\{\{fact ([a-z0-9][a-z0-9.-]*)\}\}$/;

function splitFrontMatter(text: string): { head: string; body: string } | undefined {
  const m = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text.replace(/\r\n/g, '\n'));
  return m === null ? undefined : { head: m[1] ?? '', body: m[2] ?? '' };
}

async function readSmall(file: string, issues: string[], rel: string): Promise<string | undefined> {
  const bytes = await readFile(file).catch(() => undefined);
  if (bytes === undefined) {
    issues.push(`${rel}: cannot be read`);
    return undefined;
  }
  if (bytes.length > MAX_FILE_BYTES) {
    issues.push(`${rel}: larger than ${MAX_FILE_BYTES} bytes`);
    return undefined;
  }
  return bytes.toString('utf8');
}

function yamlOf(rel: string, text: string, issues: string[]): unknown {
  try {
    return parseYaml(text);
  } catch (err) {
    issues.push(`${rel}: not valid YAML (${(err as Error).message.split('\n')[0]})`);
    return undefined;
  }
}

function zodIssues(rel: string, error: z.ZodError): string[] {
  return error.issues.map((i) => `${rel}: ${i.path.join('.') || '(root)'}: ${i.message}`);
}

/** The facts a guide body includes, and problems with its placeholders. */
function factsOf(rel: string, body: string, kb: KnowledgeBase, issues: string[]): string[] {
  const facts: string[] = [];
  for (const [i, line] of body.split('\n').entries()) {
    const trimmed = line.trim();
    const m = FACT_LINE.exec(trimmed);
    if (m !== null) {
      const id = m[1] ?? '';
      if (!kb.facts.has(id)) issues.push(`${rel}:${i + 1}: unknown fact "${id}"`);
      else if (!facts.includes(id)) facts.push(id);
    } else if (trimmed.includes('{{') || trimmed.includes('}}')) {
      issues.push(`${rel}:${i + 1}: a fact goes on a line of its own as {{fact id}}`);
    }
  }
  return facts;
}

/**
 * Loads and checks the outreach content: every language has its strings, every guide file its
 * front matter, every fact and source exists, every pathways fact marked `citedBy: [outreach]`
 * is cited by a guide, and every guide exists in the first language (the one all others fall
 * back to eventually).
 */
export async function loadOutreachContent(
  dir: string = defaultOutreachDir,
  knowledge?: KnowledgeBase,
): Promise<OutreachContent> {
  const kb = knowledge ?? (await loadKnowledgeBase());
  const issues: string[] = [];
  const hash = createHash('sha256').update(`pathways:${kb.version}\n`);
  const addToVersion = (rel: string, text: string) => hash.update(`${rel}\n${text.length}\n${text}`);

  const langText = await readSmall(path.join(dir, 'languages.yaml'), issues, 'languages.yaml');
  if (langText === undefined) throw new OutreachContentError(issues);
  addToVersion('languages.yaml', langText);
  const langParsed = languagesSchema.safeParse(yamlOf('languages.yaml', langText, issues));
  if (!langParsed.success) throw new OutreachContentError(zodIssues('languages.yaml', langParsed.error));
  const languages = langParsed.data.languages;
  const codes = new Set(languages.map((l) => l.code));
  if (codes.size !== languages.length) issues.push('languages.yaml: a language is listed twice');
  for (const l of languages)
    for (const f of l.fallback)
      if (!codes.has(f) || f === l.code)
        issues.push(`languages.yaml: ${l.code} falls back to unknown "${f}"`);

  const strings = new Map<string, SiteStrings>();
  for (const l of languages) {
    const rel = `strings/${l.code}.yaml`;
    const text = await readSmall(path.join(dir, rel), issues, rel);
    if (text === undefined) continue;
    addToVersion(rel, text);
    const parsed = stringsSchema.safeParse(yamlOf(rel, text, issues));
    if (parsed.success) strings.set(l.code, parsed.data);
    else issues.push(...zodIssues(rel, parsed.error));
  }

  const guidesDir = path.join(dir, 'guides');
  const slugs = (await readdir(guidesDir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const order = await readFile(path.join(guidesDir, 'order.yaml'), 'utf8').catch(() => undefined);
  let ordered = slugs;
  if (order !== undefined) {
    addToVersion('guides/order.yaml', order);
    const list = z
      .strictObject({ order: z.array(slugSchema) })
      .safeParse(yamlOf('guides/order.yaml', order, issues));
    if (!list.success) issues.push(...zodIssues('guides/order.yaml', list.error));
    else {
      for (const s of list.data.order)
        if (!slugs.includes(s)) issues.push(`guides/order.yaml: no guide "${s}"`);
      ordered = [
        ...list.data.order.filter((s) => slugs.includes(s)),
        ...slugs.filter((s) => !list.data.order.includes(s)),
      ];
    }
  }

  const cited = new Set<string>();
  const guides = new Map<string, Map<string, GuideText>>();
  for (const slug of ordered) {
    if (!slugSchema.safeParse(slug).success) {
      issues.push(`guides/${slug}: a guide's folder name is lower-case letters, digits and dashes`);
      continue;
    }
    const byLang = new Map<string, GuideText>();
    const files = (await readdir(path.join(guidesDir, slug))).filter((f) => f.endsWith('.md')).sort();
    for (const file of files) {
      const lang = file.slice(0, -3);
      const rel = `guides/${slug}/${file}`;
      if (!codes.has(lang)) {
        issues.push(`${rel}: "${lang}" is not in languages.yaml`);
        continue;
      }
      const text = await readSmall(path.join(guidesDir, slug, file), issues, rel);
      if (text === undefined) continue;
      addToVersion(rel, text);
      const parts = splitFrontMatter(text);
      if (parts === undefined) {
        issues.push(`${rel}: starts with front matter between two --- lines`);
        continue;
      }
      const head = frontMatterSchema.safeParse(yamlOf(rel, parts.head, issues));
      if (!head.success) {
        issues.push(...zodIssues(rel, head.error));
        continue;
      }
      for (const s of head.data.sources ?? [])
        if (!kb.sources.has(s)) issues.push(`${rel}: unknown source "${s}"`);
      const facts = factsOf(rel, parts.body, kb, issues);
      for (const f of facts) cited.add(f);
      byLang.set(lang, {
        slug,
        lang,
        title: head.data.title,
        summary: head.data.summary,
        reviewed: head.data.reviewed,
        reviewEveryDays: head.data.reviewEveryDays,
        sources: head.data.sources ?? [],
        facts,
        body: parts.body,
      });
    }
    const first = languages[0]?.code ?? '';
    if (!byLang.has(first)) issues.push(`guides/${slug}: missing ${first}.md (every guide needs it)`);
    guides.set(slug, byLang);
  }
  for (const [id, fact] of kb.facts)
    if (fact.citedBy?.includes('outreach') && !cited.has(id))
      issues.push(`fact "${id}" says it is cited by outreach, but no guide includes it`);
  if (issues.length > 0) throw new OutreachContentError(issues);
  return { version: hash.digest('hex'), languages, strings, slugs: ordered, guides, knowledge: kb };
}

/** The text of a guide for a language, following the language's fallbacks; `fallbackFrom` is set when it fell back. */
export function guideFor(
  content: OutreachContent,
  slug: string,
  lang: string,
): { text: GuideText; fallbackFrom?: string } | undefined {
  const byLang = content.guides.get(slug);
  if (byLang === undefined) return undefined;
  const own = byLang.get(lang);
  if (own !== undefined) return { text: own };
  const language = content.languages.find((l) => l.code === lang);
  for (const f of language?.fallback ?? []) {
    const text = byLang.get(f);
    if (text !== undefined) return { text, fallbackFrom: f };
  }
  const first = content.languages[0]?.code ?? '';
  const text = byLang.get(first);
  return text === undefined ? undefined : { text, fallbackFrom: first };
}

/** Guides whose own review is due on `today` (their `reviewed` plus `reviewEveryDays` has passed). */
export function staleGuides(content: OutreachContent, today: string): string[] {
  const out: string[] = [];
  const now = Date.parse(`${today}T00:00:00Z`);
  for (const [slug, byLang] of content.guides)
    for (const [lang, g] of byLang)
      if (Date.parse(`${g.reviewed}T00:00:00Z`) + g.reviewEveryDays * 86_400_000 < now)
        out.push(`${slug}/${lang}.md (checked ${g.reviewed}, every ${g.reviewEveryDays} days)`);
  return out;
}

/** Markdown as the guides use it: no raw HTML, no images (a static copy loads nothing). */
export function guideMarkdown(): InstanceType<typeof MarkdownIt> {
  const md = new MarkdownIt({ html: false, linkify: false, typographer: false });
  md.disable(['image']);
  const allowed = /^(https?:\/\/|#|\.{0,2}\/|[a-z0-9-]+\.html)/i;
  const validate = md.validateLink.bind(md);
  md.validateLink = (url: string) => validate(url) && allowed.test(url);
  return md;
}

/** Splits a body into Markdown parts and fact placeholders, in order. */
export function bodyParts(body: string): Array<{ markdown: string } | { fact: string }> {
  const parts: Array<{ markdown: string } | { fact: string }> = [];
  let buffer: string[] = [];
  const flush = () => {
    if (buffer.join('').trim() !== '') parts.push({ markdown: buffer.join('\n') });
    buffer = [];
  };
  for (const line of body.split('\n')) {
    const m = FACT_LINE.exec(line.trim());
    if (m !== null) {
      flush();
      parts.push({ fact: m[1] ?? '' });
    } else buffer.push(line);
  }
  flush();
  return parts;
}
