import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../db/database.ts';
import { LOCALES } from '../../platform/i18n/index.ts';
import { AUDIT_ACTION_LABELS, AUDIT_ACTIONS } from './audit-actions.ts';
import { auditActionLabel, auditAreaLabel } from './audit-labels.ts';
import { recordAudit } from './audit.service.ts';

/**
 * Every audit action the code can write has a readable name in every language (issue 21 item 4,
 * ADR 0208). The audit face accepts only the actions of `audit-actions.ts` (`AuditAction`), so
 * the type checker finds every action written anywhere; these tests check the names themselves,
 * that the type really is closed, and that nothing in the sources slips past it.
 */

const SRC = join(import.meta.dirname, '..', '..');
const CYRILLIC = /[А-Яа-яЁёІіЇїЄєҐґ]/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [path] : [];
  });
}

/** Compiled by `tsc --noEmit`, never run: an action without a name must not type-check. */
async function _unnamedActionsDoNotCompile(db: Db): Promise<void> {
  // @ts-expect-error an action that is not in audit-actions.ts has no name, so it cannot be written
  await recordAudit(db, { actor: 'cli', action: 'case.something_unnamed' });
  const computed: string = 'case.read';
  // @ts-expect-error a computed string is not an action either
  await recordAudit(db, { actor: 'cli', action: computed });
}

describe('audit action labels', () => {
  it('names every action the code can write in every language, each name its own', () => {
    expect(AUDIT_ACTIONS.length).toBeGreaterThan(150);
    const problems: string[] = [];
    for (const locale of LOCALES) {
      const seen = new Map<string, string>();
      // "Other: other action" less its area: the fallback's own words.
      const fallback = auditActionLabel(locale, 'zz.retired').slice(auditAreaLabel(locale, 'zz').length);
      for (const action of AUDIT_ACTIONS) {
        const label = auditActionLabel(locale, action);
        if (label.trim() === '' || label !== label.trim()) problems.push(`${locale} ${action}: blank`);
        if (label.endsWith(fallback)) problems.push(`${locale} ${action}: shown as "other action"`);
        if (locale !== 'en' && !CYRILLIC.test(label)) problems.push(`${locale} ${action}: not translated`);
        const twin = seen.get(label);
        if (twin !== undefined) problems.push(`${locale} ${action}: same name as ${twin}`);
        seen.set(label, action);
      }
    }
    expect(problems).toEqual([]);
  });

  it('names the area of every action, and keeps showing retired actions by their area', () => {
    for (const locale of LOCALES) {
      const other = auditAreaLabel(locale, 'no_such_area');
      for (const area of new Set(AUDIT_ACTIONS.map((a) => a.split('.')[0]!))) {
        expect(auditAreaLabel(locale, area), `${locale} ${area}`).not.toBe(other);
      }
    }
    expect(auditActionLabel('en', 'ledger.retired_action')).toBe('Payments: other action');
    expect(auditActionLabel('uk', 'nothing.known')).toBe('Інше: інша дія');
    expect(auditActionLabel('ru', 'auth.sign_in')).toBe(AUDIT_ACTION_LABELS['auth.sign_in'][1]);
  });

  it('finds no action in the sources that slips past the closed type', () => {
    const known = new Set<string>(AUDIT_ACTIONS);
    const found = new Set<string>();
    const problems: string[] = [];
    for (const file of sources(SRC)) {
      const text = readFileSync(file, 'utf8');
      const where = relative(SRC, file);
      // A cast would let an unnamed action through the type checker.
      if (/\bas\s+(AuditAction|AuditEvent)\b|action:[^,\n]*\bas\s+(any|never|string)\b/.test(text))
        problems.push(`${where}: casts an audit action`);
      // Every literal given as an `action:` (including both arms of a conditional).
      for (const m of text.matchAll(/\baction:\s*([^,}\n]*(?:\n\s*[?:][^,}\n]*)*)/g)) {
        for (const l of m[1]!.matchAll(/'([a-z_]+\.[a-z_]+)'/g)) {
          if (l[1] === 'field.invalid') continue; // a validation message key, not an audit action
          found.add(l[1]!);
          if (!known.has(l[1]!)) problems.push(`${where}: ${l[1]} has no name`);
        }
      }
    }
    expect(problems).toEqual([]);
    // The scan itself works: it sees actions of many modules, written as plain literals.
    for (const action of [
      'auth.sign_in',
      'case.read',
      'staff.role',
      'ledger.disbursement_request',
      'tracing.consent',
    ])
      expect(found).toContain(action);
  });
});
