import { describe, expect, it } from 'vitest';
import { describeMatrix, type MatrixRole, routesUnder } from '../../../test/support/matrix.ts';
import { STAFF_ROLES } from '../../access/index.ts';

/**
 * The authorisation matrix of the ledger's staff pages (/staff/ledger): every route × every
 * role and no session. Finance officers only; everyone else 404 (401 without a session), and
 * the database unchanged. A route added under /staff/ledger without an entry fails.
 */
const financeOnly = (role: MatrixRole) => role === 'finance_officer';
const matrix = describeMatrix<object, 'none'>({
  title: 'authorisation matrix of /staff/ledger',
  served: (t) => routesUnder(t, ['/staff/ledger']),
  routes: {
    'GET /staff/ledger': { allowed: financeOnly },
    'GET /staff/ledger/transfers': { allowed: financeOnly },
  },
  scopes: ['none'],
  roles: [...STAFF_ROLES, 'anonymous'],
  allowedStatuses: [200],
  fixture: async () => ({}),
  url: (path) => path,
});

describe('the ledger in the navigation', () => {
  it('is linked for finance officers only', async () => {
    for (const role of STAFF_ROLES) {
      const home = await matrix.current.sessions.get(role)!.client.get('/staff?lang=en');
      expect(home.body.includes('href="/staff/ledger?lang=en"'), role).toBe(role === 'finance_officer');
    }
  });
});
