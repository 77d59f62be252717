import { type Catalogue, en, type MessageKey, type PluralMessage } from './en.ts';
import { ru } from './ru.ts';
import { uk } from './uk.ts';

export type { MessageKey } from './en.ts';

export const LOCALES = ['ru', 'uk', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
/** ru is the default: most applicants read Russian. */
export const DEFAULT_LOCALE: Locale = 'ru';

const catalogues: Record<Locale, Catalogue> = { ru, uk, en };
const pluralRules: Record<Locale, Intl.PluralRules> = {
  ru: new Intl.PluralRules('ru'),
  uk: new Intl.PluralRules('uk'),
  en: new Intl.PluralRules('en'),
};

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

type Params = Record<string, string | number>;

function interpolate(template: string, params: Params | undefined): string {
  if (params === undefined) return template;
  return template.replace(/\{(\w+)\}/g, (match, name: string) =>
    name in params ? String(params[name]) : match,
  );
}

/**
 * Translates `key` into `locale`. Plural messages pick their form with
 * Intl.PluralRules from `params.count`. Output is plain text: views escape it.
 */
export function t(locale: Locale, key: MessageKey, params?: Params): string {
  const message = catalogues[locale][key] as string | PluralMessage;
  if (typeof message === 'string') return interpolate(message, params);
  const count = Number(params?.count ?? 0);
  const form = pluralRules[locale].select(count) as keyof PluralMessage;
  return interpolate(message[form] ?? message.other, params);
}

/** Translator bound to one locale, handed to views. */
export type Translate = (key: MessageKey, params?: Params) => string;
export function translator(locale: Locale): Translate {
  return (key, params) => t(locale, key, params);
}

/**
 * Picks the locale: an explicit `?lang=` wins, then the first supported language
 * in Accept-Language, then ru. Nothing is stored (no persistent cookie).
 */
export function negotiateLocale(
  query: unknown,
  acceptLanguage: string | undefined,
  fallback: Locale = DEFAULT_LOCALE,
): Locale {
  if (isLocale(query)) return query;
  if (acceptLanguage !== undefined) {
    const ranked = acceptLanguage
      .slice(0, 256)
      .split(',')
      .map((part, index) => {
        const [tag = '', ...rest] = part.trim().split(';');
        const q = rest.find((p) => p.trim().startsWith('q='));
        const weight = q === undefined ? 1 : Number.parseFloat(q.trim().slice(2));
        return {
          lang: tag.toLowerCase().split('-')[0] ?? '',
          weight: Number.isNaN(weight) ? 0 : weight,
          index,
        };
      })
      .filter((x) => x.weight > 0)
      .sort((a, b) => b.weight - a.weight || a.index - b.index);
    for (const { lang } of ranked) if (isLocale(lang)) return lang;
  }
  return fallback;
}

export const catalogueKeys = Object.keys(en) as MessageKey[];
export function catalogueFor(locale: Locale): Catalogue {
  return catalogues[locale];
}

type ModuleMessages = Record<string, string | PluralMessage>;
type SameKeys<E extends ModuleMessages> = {
  readonly [K in keyof E]: E[K] extends string ? string : PluralMessage;
};

/**
 * A module's own catalogue (ru, uk and en with the same keys, checked by the compiler),
 * so that each module keeps its texts beside its views instead of in one shared file.
 *
 *   const m = defineMessages({ en: { 'x.title': 'Title' }, ru: { … }, uk: { … } });
 *   m(locale, 'x.title')
 */
/** Every module's catalogue, in the order they were defined (for `messageFor`). */
const moduleCatalogues: Array<Record<Locale, ModuleMessages>> = [];

export function defineMessages<E extends ModuleMessages>(catalogues: {
  en: E;
  ru: SameKeys<E>;
  uk: SameKeys<E>;
}) {
  moduleCatalogues.push(catalogues as unknown as Record<Locale, ModuleMessages>);
  return (locale: Locale, key: keyof E & string, params?: Params): string => {
    const message = catalogues[locale][key] as string | PluralMessage;
    if (typeof message === 'string') return interpolate(message, params);
    const count = Number(params?.count ?? 0);
    const form = pluralRules[locale].select(count) as keyof PluralMessage;
    return interpolate(message[form] ?? message.other, params);
  };
}

/**
 * The text of a message key from the central catalogue or any module's, for places that only
 * hold the key (an AppError's `fields`); the key itself when no catalogue has it.
 */
export function messageFor(locale: Locale, key: string): string {
  if (Object.hasOwn(catalogues[locale], key)) return t(locale, key as MessageKey);
  for (const c of moduleCatalogues) {
    const message = Object.hasOwn(c[locale], key) ? c[locale][key] : undefined;
    if (typeof message === 'string') return interpolate(message, undefined);
    if (message !== undefined) return interpolate((message as PluralMessage).other, undefined);
  }
  return key;
}
