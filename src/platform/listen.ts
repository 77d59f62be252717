import type { Server } from 'node:net';

/** Listens on `host:port`; rejects with the listen error (a port in use, say) instead of throwing later. */
export function listenOn(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
