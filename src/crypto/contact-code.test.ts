import { describe, expect, it } from 'vitest';
import { CONTACT_CODE_CHARS, newContactCode, normaliseContactCode } from './contact-code.ts';

describe('contact codes', () => {
  it('are 20 characters of Crockford base32 in five groups of four, different every time', () => {
    const codes = new Set(Array.from({ length: 50 }, () => newContactCode()));
    expect(codes.size).toBe(50);
    for (const code of codes) {
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$/);
      expect(normaliseContactCode(code)).toBe(code.replaceAll('-', ''));
    }
  });

  it('read the way a person types or dictates them: case, spaces, dashes, O for 0 and I or L for 1', () => {
    expect(normaliseContactCode('7k3m q9tx-2hrb–w4np 8cdf')).toBe('7K3MQ9TX2HRBW4NP8CDF');
    expect(normaliseContactCode('OOOO-IIII-LLLL-0000-1111')).toBe('00001111111100001111');
  });

  it('refuse what cannot be a code', () => {
    for (const bad of [
      '',
      'UUUU-0000-0000-0000-0000',
      '0000-0000-0000-0000',
      `${'0'.repeat(CONTACT_CODE_CHARS)}0`,
      'A'.repeat(65),
      '0000-0000-0000-0000-000!',
    ]) {
      expect(normaliseContactCode(bad), bad).toBeUndefined();
    }
  });
});
