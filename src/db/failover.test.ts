import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { registerHttpPlatform } from '../platform/http.tsx';
import { isTransientDbError, NoPrimaryError, NotPrimaryError } from './failover.ts';

const pgError = (message: string, code?: string) =>
  Object.assign(new Error(message), code === undefined ? {} : { code });

describe('transient database errors (ADR 0118)', () => {
  it.each([
    ['the old primary refuses connections', pgError('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['the socket died under a statement', pgError('Connection terminated unexpectedly')],
    ['a connect attempt timed out', pgError('timeout expired')],
    ['the server is shutting down', pgError('terminating connection due to administrator command', '57P01')],
    ['a standby being promoted', pgError('the database system is starting up', '57P03')],
    ['a demoted primary', pgError('cannot execute INSERT in a read-only transaction', '25006')],
    ['a connection exception', pgError('connection failure', '08006')],
    ['a standby was reached', new NotPrimaryError('standby')],
    ['no host is a primary', new NoPrimaryError('none')],
    ['wrapped in a cause', new Error('outer', { cause: pgError('x', 'ECONNRESET') })],
  ])('retries when %s', (_case, error) => {
    expect(isTransientDbError(error)).toBe(true);
  });

  it.each([
    ['a unique violation', pgError('duplicate key value violates unique constraint', '23505')],
    ['a serialization failure (its owner decides)', pgError('could not serialize access', '40001')],
    ['a syntax error', pgError('syntax error at or near', '42601')],
    ['a plain bug', new TypeError('x is undefined')],
    ['not an error', 'ECONNREFUSED'],
  ])('does not retry %s', (_case, error) => {
    expect(isTransientDbError(error)).toBe(false);
  });

  it('answers 503 with Retry-After, not 500, when a request meets a database failover', async () => {
    const app = Fastify();
    registerHttpPlatform(app, { secure: false });
    app.get('/lost', async () => {
      throw pgError('Connection terminated unexpectedly');
    });
    app.get('/bug', async () => {
      throw pgError('duplicate key value violates unique constraint', '23505');
    });
    const lost = await app.inject({ method: 'GET', url: '/lost', headers: { accept: 'application/json' } });
    expect(lost.statusCode).toBe(503);
    expect(lost.headers['retry-after']).toBe('5');
    expect(lost.body).not.toContain('Connection terminated');
    const bug = await app.inject({ method: 'GET', url: '/bug', headers: { accept: 'application/json' } });
    expect(bug.statusCode).toBe(500);
    await app.close();
  });
});
