import type { Config } from '../config/config.ts';
import type { AppContext } from '../context.ts';
import { socketIsLive } from '../platform/unix-socket.ts';
import { callAdmin } from './admin-client.ts';

/**
 * CLI commands reach the data in one of two ways: through the running server's admin
 * socket (the only way while the embedded database is open in the server, and the only
 * way to use the unsealed key in production), or, when no server runs, by opening the
 * database themselves (development auto-unseals with the key file).
 */
export async function serverIsRunning(config: Config): Promise<boolean> {
  return socketIsLive(config.adminSocket);
}

export { callAdmin };

/** Opens the application in-process for a one-off command; closes it afterwards. */
export async function withDirectContext<T>(
  config: Config,
  work: (ctx: AppContext) => Promise<T>,
): Promise<T> {
  // Loaded only here, so that commands that just talk to the socket start fast.
  const { buildApp } = await import('../app.ts');
  const { createLogger } = await import('../platform/logging.ts');
  // The log goes to stderr: stdout is the command's result (`--json` must parse).
  const app = await buildApp(config, {
    logger: createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, process.stderr),
  });
  try {
    return await work(app.sanctuary);
  } finally {
    await app.close();
  }
}
