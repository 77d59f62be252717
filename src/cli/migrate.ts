import { openDatabase } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import type { CliCall } from './main.ts';
import { configOrExit, explain, output } from './shared.ts';

export async function run(_args: string[], call: CliCall): Promise<number> {
  const config = await configOrExit();
  if (typeof config === 'number') return config;
  try {
    const database = await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.databaseUrl === undefined ? config.dataDir : undefined,
    });
    try {
      const applied = await migrateToLatest(database.db);
      output(
        call,
        { applied },
        applied.length === 0 ? 'Already up to date.\n' : `Applied: ${applied.join(', ')}\n`,
      );
      return 0;
    } finally {
      await database.close();
    }
  } catch (error) {
    return explain(error);
  }
}
