import { startServer, stopOnSignals } from '../server.ts';
import { configOrExit, explain } from './shared.ts';

export async function run(_args: string[]): Promise<number> {
  const config = await configOrExit({ creates: true });
  if (typeof config === 'number') return config;
  try {
    const server = await startServer(config);
    stopOnSignals(server);
    process.stdout.write(`Sanctuary is listening on ${server.url}\n`);
    await new Promise<never>(() => {});
    return 0;
  } catch (error) {
    return explain(error);
  }
}
