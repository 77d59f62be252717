/**
 * The `sanctuary` command. Each sub-command lives in its own file, `src/cli/<name>.ts`,
 * exporting `run(args: string[]): Promise<number>` and a one-line `summary`.
 * The table below is the only place that names them.
 */
export interface CliCommand {
  summary: string;
  run(args: string[]): Promise<number>;
}

const commands: Record<string, () => Promise<CliCommand>> = {
  serve: () => import('./serve.ts'),
  migrate: () => import('./migrate.ts'),
  keys: () => import('./keys.ts'),
  unseal: () => import('./unseal.ts'),
  seal: () => import('./seal.ts'),
  staff: () => import('./staff.ts'),
  audit: () => import('./audit.ts'),
  ledger: () => import('./ledger.ts'),
  federation: () => import('./federation.ts'),
  evidence: () => import('./evidence.ts'),
  link: () => import('./link.ts'),
  pathways: () => import('./pathways.ts'),
  demo: () => import('./demo.ts'),
  backup: () => import('./backup.ts'),
  restore: () => import('./restore.ts'),
  outreach: () => import('./outreach.ts'),
};

async function printHelp(): Promise<void> {
  const lines = ['usage: sanctuary <command> [options]', '', 'commands:'];
  for (const [name, load] of Object.entries(commands)) {
    const summary = await load().then(
      (c) => c.summary,
      () => '(not available in this build)',
    );
    lines.push(`  ${name.padEnd(10)} ${summary}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Runs one sub-command and returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    await printHelp();
    return name === undefined ? 64 : 0;
  }
  const load = commands[name];
  if (load === undefined) {
    process.stderr.write(`sanctuary: unknown command "${name}". Run "sanctuary --help" for the list.\n`);
    return 64;
  }
  const command = await load();
  return command.run(rest);
}
