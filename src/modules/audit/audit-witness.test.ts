import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTestApp } from '../../../test/support/app.ts';
import { auditPublicKey, fingerprintAuditKey } from '../../crypto/index.ts';
import { verifyAudit, writeCheckpoint } from '../admin/index.ts';
import { recordAudit } from './audit.service.ts';

/** A witness server of the operator's own, on loopback: it keeps what it is sent. */
async function witnessServer(status = 200) {
  const received: Array<{ body: string; authorization: string | undefined }> = [];
  const server = createServer((request: IncomingMessage, response) => {
    let body = '';
    request.on('data', (c: Buffer) => {
      body += c.toString();
    });
    request.on('end', () => {
      received.push({ body, authorization: request.headers.authorization });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/witness`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('audit witnesses and the pinned key (ADR 0085)', () => {
  const outside = mkdtempSync(join(tmpdir(), 'sanctuary-witness-'));
  afterAll(() => rmSync(outside, { recursive: true, force: true }));

  it('pushes every signed checkpoint to the witness file and the witness server', async () => {
    const witness = await witnessServer();
    const witnessFile = join(outside, 'pushed.jsonl');
    const token = 'w'.repeat(32);
    const t = await buildTestApp({
      config: {
        audit: {
          keyFingerprints: [],
          witnessFile,
          witnessUrl: witness.url,
          witnessToken: token,
          witnessPeers: [],
        },
      },
    });
    try {
      await recordAudit(t.ctx.database.db, { actor: 'cli', action: 'keys.rotate' });
      const first = await writeCheckpoint(t.ctx);
      await recordAudit(t.ctx.database.db, { actor: 'cli', action: 'server.seal' });
      const second = await writeCheckpoint(t.ctx);
      const lines = readFileSync(witnessFile, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines).toEqual([first, second]);
      expect(witness.received.map((r) => JSON.parse(r.body))).toEqual([first, second]);
      expect(witness.received.every((r) => r.authorization === `Bearer ${token}`)).toBe(true);
    } finally {
      await t.close();
      await witness.close();
    }
  });

  it('keeps the checkpoint and logs the failure when a witness refuses it', async () => {
    const witness = await witnessServer(500);
    const t = await buildTestApp({
      config: {
        audit: {
          keyFingerprints: [],
          witnessFile: undefined,
          witnessUrl: witness.url,
          witnessToken: undefined,
          witnessPeers: [],
        },
      },
    });
    try {
      await recordAudit(t.ctx.database.db, { actor: 'cli', action: 'keys.rotate' });
      expect(await writeCheckpoint(t.ctx)).toMatchObject({ seq: expect.any(Number) });
      expect(witness.received).toHaveLength(1);
      expect(t.logs()).toContain('audit witness server did not take the checkpoint');
    } finally {
      await t.close();
      await witness.close();
    }
  });

  it('refuses to vouch when the unsealed keyring is not the pinned audit key', async () => {
    const t = await buildTestApp({
      config: {
        audit: {
          keyFingerprints: ['0000-0000-0000-0000-0000-0000-0000-0000'],
          witnessFile: undefined,
          witnessUrl: undefined,
          witnessToken: undefined,
          witnessPeers: [],
        },
      },
    });
    try {
      await recordAudit(t.ctx.database.db, { actor: 'cli', action: 'keys.rotate' });
      const result = await verifyAudit(t.ctx);
      expect(result.ok).toBe(false);
      const own = fingerprintAuditKey(auditPublicKey(t.ctx.vault.requireKeyring()));
      expect(result.firstBad?.problem).toContain(`keyring's audit key is ${own}`);
      expect(result.firstBad?.problem).toContain('key fingerprint mismatch');
    } finally {
      await t.close();
    }
  });

  it('takes the unsealed keyring as the anchor when nothing is pinned', async () => {
    const t = await buildTestApp();
    try {
      await recordAudit(t.ctx.database.db, { actor: 'cli', action: 'keys.rotate' });
      await writeCheckpoint(t.ctx);
      expect(await verifyAudit(t.ctx)).toMatchObject({ ok: true, pinned: true, checkpointsChecked: 2 });
    } finally {
      await t.close();
    }
  });
});
