import { describe, expect, it } from 'vitest';
import { describeMatrix, type MatrixRole, routesUnder } from '../../../test/support/matrix.ts';
import { STAFF_ROLES } from '../../access/index.ts';
import { makeRelease } from './statistics.service.ts';

/**
 * The authorisation matrix of the reports pages (/staff/reports): every route × every role
 * and no session. Coordinators, admins and analysts; everyone else 404 (401 without a
 * session) and the database unchanged. A route added under /staff/reports without an entry fails.
 */
const readers = (role: MatrixRole) => role === 'coordinator' || role === 'admin' || role === 'analyst';
const admins = (role: MatrixRole) => role === 'admin';
let releaseId = '';
const matrix = describeMatrix<object, 'none'>({
  title: 'authorisation matrix of /staff/reports',
  served: (t) => routesUnder(t, ['/staff/reports']),
  routes: {
    'GET /staff/reports': { allowed: (role) => readers(role) },
    'GET /staff/reports/export/:file': { allowed: (role) => readers(role) },
    'GET /staff/reports/releases': { allowed: admins },
    'POST /staff/reports/releases': {
      allowed: admins,
      body: () => ({ quarter: '2025-Q1', rho: '1/10' }),
      allowedStatuses: [303],
    },
    'POST /staff/reports/releases/budget': {
      allowed: admins,
      body: () => ({ dataset: 'cases', total: '9/10' }),
      allowedStatuses: [303],
    },
    'GET /staff/reports/releases/:id/bundle.tar': { allowed: admins },
  },
  scopes: ['none'],
  roles: [...STAFF_ROLES, 'anonymous'],
  allowedStatuses: [200],
  setup: async (t) => {
    const made = await makeRelease(t.ctx, { kind: 'cli', id: 'cli' }, { quarter: '2025-Q2', rho: '1/10' });
    releaseId = made.release.id;
  },
  fixture: async () => ({}),
  url: (path) => path.replace(':file', 'applicant_type.csv').replace(':id', releaseId),
});

describe('the reports pages', () => {
  it('are linked for coordinators, admins and analysts only', async () => {
    for (const role of STAFF_ROLES) {
      const home = await matrix.current.sessions.get(role)!.client.get('/staff?lang=en');
      expect(home.body.includes('href="/staff/reports?lang=en"'), role).toBe(readers(role));
    }
  });
});
