/**
 * The `sanctuary` command's dispatcher (ADR 0147). Every command is one entry of the table in
 * `commands.ts`: its summary, usage, options and sub-commands, and a loader for its code.
 * Before any command code is loaded, the dispatcher
 *   - answers `--help`/`-h` (anywhere before `--`) from the table and does nothing else: no
 *     module loaded, no configuration read, no database, no socket, no standard input;
 *   - answers `--version`;
 *   - checks the options against the table: an unknown option, a missing value or a stray
 *     argument is one line on stderr and exit 64 (never Node's parse error);
 *   - applies `--data-dir DIR` (as SANCTUARY_DATA_DIR) for the commands that use one.
 * The command then runs with the parsed values; any error it throws is one line and a
 * sysexits code (exit.ts), never a stack trace. Kept light: it imports only the table.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { COMMANDS } from './commands.ts';
import { EXIT, exitForErrno, fail } from './exit.ts';

/** One option of a command, as the table declares it. */
export interface CliOption {
  type: 'string' | 'boolean';
  /** May be given several times (the value is then a list). */
  multiple?: boolean;
  /** The value's placeholder in the help, e.g. `N` or `FILE`. */
  arg?: string;
  help: string;
}

export type CliValues = Record<string, string | boolean | string[] | undefined>;

/** What a command's `run` receives besides its raw arguments. */
export interface CliCall {
  /** The command and sub-commands named, e.g. `['keys', 'init']`. */
  path: string[];
  /** The options, checked against the table (`--data-dir` already applied). */
  values: CliValues;
  /** The positional arguments after the sub-commands. */
  positionals: string[];
}

export interface CliModule {
  run(args: string[], call: CliCall): Promise<number>;
}

/** A command or sub-command in the table. */
export interface CliSpec {
  summary: string;
  /** Usage lines without the leading `sanctuary ` (one or more). */
  usage: string | string[];
  /** More help text, printed after the summary. */
  details?: string;
  options?: Record<string, CliOption>;
  /** Positional arguments after the sub-commands: [at least, at most]. Default none. */
  positionals?: [number, number];
  subcommands?: Record<string, CliSpec>;
  /** With sub-commands: also runs with none named (`unseal`, `pathways`). */
  runsBare?: boolean;
  /** Accepts `--json` (prints its result as one JSON document on stdout). */
  json?: boolean;
  /** Uses the data directory: accepts `--data-dir DIR`. Inherited by sub-commands. */
  dataDir?: boolean;
}

export interface CliCommand extends CliSpec {
  load(): Promise<CliModule>;
}

/**
 * A command not yet in the table's form: a loader of a module exporting `summary` and
 * `run(args)` (the shape before ADR 0147). It still gets `--help` without running: the
 * dispatcher prints its `summary` (and `usage` when exported) instead of calling `run`.
 */
export type LegacyCommand = () => Promise<{
  summary: string;
  usage?: string;
  run(args: string[]): Promise<number>;
}>;

const GLOBAL = {
  help: { type: 'boolean', help: 'show this help and do nothing else' } as CliOption,
  json: { type: 'boolean', help: 'print the result as JSON on stdout' } as CliOption,
  dataDir: {
    type: 'string',
    arg: 'DIR',
    help: 'the data directory of the server to work on (else SANCTUARY_DATA_DIR, else ./data)',
  } as CliOption,
};

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** `-h`/`--help` before any `--`. */
function asksForHelp(args: readonly string[]): boolean {
  for (const a of args) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

/** The options a spec accepts, with the inherited ones. */
function optionsOf(spec: CliSpec, dataDir: boolean): Record<string, CliOption> {
  return {
    ...spec.options,
    ...(spec.json === true ? { json: GLOBAL.json } : {}),
    ...(dataDir ? { 'data-dir': GLOBAL.dataDir } : {}),
  };
}

function column(rows: Array<[string, string]>): string[] {
  const width = Math.min(28, Math.max(...rows.map(([a]) => a.length)) + 2);
  return rows.map(
    ([a, b]) => `  ${a.padEnd(width)}${a.length >= width ? `\n  ${' '.repeat(width)}` : ''}${b}`,
  );
}

export function helpText(path: string[], spec: CliSpec, dataDir: boolean): string {
  const usage = Array.isArray(spec.usage) ? spec.usage : [spec.usage];
  const lines = usage.map((u, i) => `${i === 0 ? 'usage: ' : '       '}sanctuary ${u}`);
  lines.push('', spec.summary);
  if (spec.details !== undefined) lines.push('', spec.details);
  const options = optionsOf(spec, dataDir);
  const rows: Array<[string, string]> = Object.entries(options).map(([name, o]) => [
    `--${name}${o.type === 'string' ? ` ${o.arg ?? 'VALUE'}` : ''}`,
    `${o.help}${o.multiple === true ? ' (repeatable)' : ''}`,
  ]);
  rows.push(['-h, --help', GLOBAL.help.help]);
  lines.push('', 'options:', ...column(rows));
  if (spec.subcommands !== undefined) {
    lines.push(
      '',
      'sub-commands:',
      ...column(Object.entries(spec.subcommands).map(([name, s]) => [name, s.summary])),
      '',
      `"sanctuary ${path.join(' ')} <sub-command> --help" explains one.`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function topHelp(): string {
  const rows: Array<[string, string]> = Object.entries(COMMANDS).map(([name, c]) => [
    name,
    typeof c === 'function' ? '' : c.summary,
  ]);
  return [
    'usage: sanctuary <command> [options]      (sanctuary <command> --help for one command)',
    '       sanctuary --version',
    '',
    'commands:',
    ...column(rows),
    '',
    'exit codes: 0 ok, 2 refused (a verification found a problem), 64 bad usage, 65 bad data,',
    '  66 no input, 69 unavailable (no server, sealed, in use), 70 internal error, 73 cannot create,',
    '  74 I/O error, 75 try again later, 77 no permission, 78 bad configuration (README, "Command line").',
    '',
  ].join('\n');
}

export class UsageError extends Error {}

/**
 * Checks `args` against `options` and `positionals` (sub-commands already removed) and returns
 * the parsed values; a problem is a UsageError with one line naming it.
 */
export function checkArgs(
  args: string[],
  options: Record<string, CliOption>,
  positionals: [number, number],
): { values: CliValues; positionals: string[] } {
  const config = Object.fromEntries(Object.entries(options).map(([k, o]) => [k, { type: o.type }]));
  const { tokens } = parseArgs({
    args,
    options: config,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values: CliValues = {};
  const found: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'positional') found.push(t.value);
    if (t.kind !== 'option') continue;
    const o = Object.hasOwn(options, t.name) ? options[t.name] : undefined;
    if (o === undefined) throw new UsageError(`unknown option ${t.rawName}`);
    if (o.type === 'boolean' && t.value !== undefined) throw new UsageError(`${t.rawName} takes no value`);
    // Not strict, Node takes the next word as a string option's value, even `--other`.
    if (
      o.type === 'string' &&
      (t.value === undefined || (t.inlineValue !== true && t.value.startsWith('--')))
    )
      throw new UsageError(`${t.rawName} needs a value (${t.rawName} ${o.arg ?? 'VALUE'})`);
    const value = o.type === 'boolean' ? true : (t.value as string);
    if (o.multiple === true)
      values[t.name] = [...((values[t.name] as string[] | undefined) ?? []), String(value)];
    else values[t.name] = value;
  }
  const [min, max] = positionals;
  if (found.length > max) {
    throw new UsageError(
      max === 0
        ? `unexpected argument "${found[0]}"`
        : `unexpected argument "${found[max]}" (at most ${max})`,
    );
  }
  if (found.length < min) throw new UsageError(`missing argument (needs ${min})`);
  return { values, positionals: found };
}

let epipeHandled = false;

/**
 * stdout or stderr closed by the reader (`sanctuary pathways | head -1`): stop quietly, with
 * the exit code so far. Any other write error on them is exit 74, without a stack trace.
 */
function quietOnEpipe(): void {
  if (epipeHandled) return;
  epipeHandled = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      process.exit(error.code === 'EPIPE' ? (process.exitCode ?? 0) : EXIT.io);
    });
  }
}

/** Runs one command line and returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  quietOnEpipe();
  const [name, ...rest] = dataDirFirst(argv);
  if (name === undefined) {
    process.stderr.write(topHelp());
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h') {
    process.stdout.write(topHelp());
    return EXIT.ok;
  }
  if (name === 'help') return main(rest.length === 0 ? ['--help'] : [...rest, '--help']);
  if (name === '--version' || name === '-V') {
    process.stdout.write(`sanctuary ${version()}\n`);
    return EXIT.ok;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (entry === undefined) {
    return fail(
      name.startsWith('-')
        ? `unknown option ${name}. Run "sanctuary --help" for the commands.`
        : `unknown command "${name}". Run "sanctuary --help" for the list.`,
      EXIT.usage,
    );
  }
  try {
    if (typeof entry === 'function') return await runLegacy(name, entry, rest);
    return await dispatch(name, entry, rest);
  } catch (error) {
    // A bug or an unforeseen failure: one line, no stack trace.
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    const message = error instanceof Error ? error.message : String(error);
    return fail(message, typeof code === 'string' ? exitForErrno(code) : EXIT.software);
  }
}

/**
 * `sanctuary --data-dir DIR <command> …` is `sanctuary <command> … --data-dir DIR` (before any
 * `--`): the command's own checks then apply (a command without a data directory refuses it).
 */
function dataDirFirst(argv: string[]): string[] {
  const first = argv[0];
  if (first !== '--data-dir' && !first?.startsWith('--data-dir=')) return argv;
  const take = first === '--data-dir' ? 2 : 1;
  const option = argv.slice(0, take);
  const rest = argv.slice(take);
  if (rest.length === 0) return ['--data-dir'];
  const end = rest.indexOf('--');
  return end === -1 ? [...rest, ...option] : [...rest.slice(0, end), ...option, ...rest.slice(end)];
}

async function dispatch(name: string, command: CliCommand, rest: string[]): Promise<number> {
  const path = [name];
  let spec: CliSpec = command;
  let dataDir = command.dataDir === true;
  let args = rest;
  while (
    spec.subcommands !== undefined &&
    args[0] !== undefined &&
    Object.hasOwn(spec.subcommands, args[0])
  ) {
    spec = spec.subcommands[args[0]]!;
    dataDir ||= spec.dataDir === true;
    path.push(args[0]);
    args = args.slice(1);
  }
  const where = path.join(' ');
  if (asksForHelp(args)) {
    process.stdout.write(helpText(path, spec, dataDir));
    return EXIT.ok;
  }
  if (spec.subcommands !== undefined && spec.runsBare !== true) {
    const subs = Object.keys(spec.subcommands).join(', ');
    return fail(
      args[0] === undefined || args[0].startsWith('-')
        ? `a sub-command is needed: ${subs} (sanctuary ${where} --help)`
        : `unknown sub-command "${args[0]}"; one of: ${subs} (sanctuary ${where} --help)`,
      EXIT.usage,
    );
  }
  let call: CliCall;
  try {
    call = { path, ...checkArgs(args, optionsOf(spec, dataDir), spec.positionals ?? [0, 0]) };
  } catch (error) {
    if (error instanceof UsageError) {
      const usage = Array.isArray(spec.usage) ? spec.usage[0] : spec.usage;
      return fail(
        `${where}: ${error.message}; usage: sanctuary ${usage} (more: sanctuary ${where} --help)`,
        EXIT.usage,
      );
    }
    throw error;
  }
  const dir = call.values['data-dir'];
  if (typeof dir === 'string') {
    if (dir === '') return fail(`${where}: --data-dir needs a directory`, EXIT.usage);
    process.env.SANCTUARY_DATA_DIR = dir;
  }
  const module = await command.load();
  return module.run(rest, call);
}

async function runLegacy(name: string, load: LegacyCommand, rest: string[]): Promise<number> {
  const module = await load();
  if (asksForHelp(rest)) {
    process.stdout.write(`usage: sanctuary ${module.usage ?? `${name} …`}\n\n${module.summary}\n`);
    return EXIT.ok;
  }
  return module.run(rest);
}
