import { describe, expect, it } from 'vitest';
import { catalogueFor, catalogueKeys, LOCALES, negotiateLocale, t } from './index.ts';

describe('i18n', () => {
  it('has every key, non-empty, in every language', () => {
    for (const locale of LOCALES) {
      const catalogue = catalogueFor(locale) as Record<string, unknown>;
      for (const key of catalogueKeys) {
        const value = catalogue[key];
        expect(value, `${locale}:${key}`).toBeDefined();
        const text = typeof value === 'string' ? value : (value as { other: string }).other;
        expect(text.trim().length, `${locale}:${key}`).toBeGreaterThan(0);
      }
    }
  });

  it('uses the Russian and Ukrainian plural forms', () => {
    expect(t('ru', 'admin.audit_entries', { count: 1 })).toBe('1 запись');
    expect(t('ru', 'admin.audit_entries', { count: 3 })).toBe('3 записи');
    expect(t('ru', 'admin.audit_entries', { count: 5 })).toBe('5 записей');
    expect(t('uk', 'admin.audit_entries', { count: 11 })).toBe('11 записів');
    expect(t('en', 'admin.audit_entries', { count: 1 })).toBe('1 entry');
    expect(t('en', 'admin.audit_entries', { count: 2 })).toBe('2 entries');
  });

  it.each([
    ['en', undefined, 'en'],
    [undefined, 'uk-UA,uk;q=0.9,en;q=0.8', 'uk'],
    [undefined, 'de-DE,en;q=0.5', 'en'],
    [undefined, 'de-DE', 'ru'],
    ['xx', 'en', 'en'],
    [['en', 'uk'], undefined, 'ru'],
    [undefined, `${'x,'.repeat(10_000)}uk`, 'ru'],
  ])('negotiates lang=%o, Accept-Language=%o as %s', (query, header, expected) => {
    expect(negotiateLocale(query, header as string | undefined)).toBe(expected);
  });
});
