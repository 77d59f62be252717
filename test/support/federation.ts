import type { CliActor } from '../../src/access/index.ts';
import type { AppContext } from '../../src/context.ts';
import { addPeer, verifyPeer } from '../../src/modules/federation/federation.service.ts';
import { federationJobHandlers, getIdentityCard } from '../../src/modules/federation/index.ts';
import { JobRunner } from '../../src/modules/jobs/index.ts';
import { buildTestApp, type TestApp } from './app.ts';
import { freePort } from './process.ts';

/** The CLI on the server: the actor of set-up steps in federation tests. */
export const CLI: CliActor = { kind: 'cli', id: 'cli' };

/**
 * Makes `a` a peer of `b` the way two administrators do: `b` pastes `a`'s identity card and
 * types the fingerprint `a`'s administrator read out. Returns the peer's id on `b`.
 */
export async function addVerifiedPeer(b: AppContext, a: AppContext, label = 'Peer'): Promise<string> {
  const card = await getIdentityCard(a, CLI);
  const { id } = await addPeer(b, CLI, { label, card: JSON.stringify(card) });
  await verifyPeer(b, CLI, id, { fingerprint: card.fingerprint });
  return id;
}

/** A server started by a federation test: the app listening on its own port, and its delivery jobs. */
export interface FederatedServer {
  t: TestApp;
  url: string;
  jobs: JobRunner;
}

/**
 * Starts a whole server (own data directory, database and port) whose jobs the test runs by hand.
 * Its public URL names the port, so the port is chosen before the app is built; another process
 * may take it meanwhile (more likely with many test workers), and then the server is built again
 * on another port.
 */
export async function startFederatedServer(): Promise<FederatedServer> {
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const t = await buildTestApp({ config: { publicUrl: url } });
    try {
      await t.app.listen({ port, host: '127.0.0.1' });
    } catch (error) {
      await t.close();
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < 3) continue;
      throw error;
    }
    return { t, url, jobs: federationJobs(t) };
  }
}

function federationJobs(t: TestApp): JobRunner {
  return new JobRunner({
    db: t.ctx.database.db,
    logger: t.ctx.logger,
    handlers: federationJobHandlers(t.ctx),
    isSealed: () => t.ctx.vault.sealed,
  });
}
