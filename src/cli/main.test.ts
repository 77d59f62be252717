import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { COMMANDS } from './commands.ts';
import { type CliCommand, type CliSpec, checkArgs, main, UsageError } from './main.ts';

/**
 * The dispatcher in-process (no child processes: fast). The real processes, a running server
 * and a data directory that stays byte-for-byte the same are in test/cli.test.ts.
 */
let out = '';
let err = '';
beforeEach(() => {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err += String(chunk);
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Every command and sub-command path in the table. */
function paths(prefix: string[], spec: CliSpec): string[][] {
  const own = [prefix];
  for (const [name, sub] of Object.entries(spec.subcommands ?? {}))
    own.push(...paths([...prefix, name], sub));
  return own;
}
const table = Object.entries(COMMANDS).filter((e): e is [string, CliCommand] => typeof e[1] !== 'function');
const every = table.flatMap(([name, spec]) => paths([name], spec));

describe('sanctuary <command> --help', () => {
  it('covers every command of the table, and the table has no legacy entries left', () => {
    expect(table.length).toBe(Object.keys(COMMANDS).length);
    expect(every.length).toBeGreaterThan(Object.keys(COMMANDS).length);
  });

  it('prints the help of every command and sub-command without loading its code, reading stdin or the environment', async () => {
    const loads = table.map(([, spec]) => vi.spyOn(spec, 'load'));
    const stdin = vi.spyOn(process.stdin, 'read');
    const dataDir = process.env.SANCTUARY_DATA_DIR;
    for (const path of every) {
      for (const flag of ['--help', '-h']) {
        out = '';
        // Help wins wherever it stands before `--`, even after other (even wrong) options.
        expect(await main([...path, '--data-dir', '/nonexistent', flag]), path.join(' ')).toBe(0);
        expect(out, path.join(' ')).toMatch(new RegExp(`^usage: sanctuary ${path.join(' ')}`));
        expect(out).toContain('-h, --help');
      }
    }
    for (const load of loads) expect(load).not.toHaveBeenCalled();
    expect(stdin).not.toHaveBeenCalled();
    expect(process.env.SANCTUARY_DATA_DIR).toBe(dataDir);
    expect(err).toBe('');
  });

  it('lists the commands for --help, -h and help; no command is a usage error on stderr', async () => {
    expect(await main(['--help'])).toBe(0);
    for (const name of Object.keys(COMMANDS)) expect(out).toContain(`  ${name} `);
    expect(out).toContain('64 bad usage');
    expect(await main(['help', 'link'])).toBe(0);
    expect(out).toContain('usage: sanctuary link --input');
    out = '';
    expect(await main([])).toBe(64);
    expect(out).toBe('');
    expect(err).toContain('usage: sanctuary <command>');
  });

  it('takes --data-dir before the command too, as the command would', async () => {
    const loads = table.map(([, spec]) => vi.spyOn(spec, 'load').mockResolvedValue({ run: async () => 0 }));
    const before = process.env.SANCTUARY_DATA_DIR;
    try {
      expect(await main(['--data-dir', '/srv/sanctuary', 'seal'])).toBe(0);
      expect(process.env.SANCTUARY_DATA_DIR).toBe('/srv/sanctuary');
      expect(await main(['--data-dir=/srv/other', 'link', '--input', 'a'])).toBe(64);
      expect(err).toContain('link: unknown option --data-dir');
      expect(loads.filter((l) => l.mock.calls.length > 0)).toHaveLength(1);
    } finally {
      if (before === undefined) delete process.env.SANCTUARY_DATA_DIR;
      else process.env.SANCTUARY_DATA_DIR = before;
    }
  });

  it('prints the version from package.json', async () => {
    expect(await main(['--version'])).toBe(0);
    expect(out).toMatch(/^sanctuary \d+\.\d+\.\d+\n$/);
  });
});

describe('bad usage is one line on stderr and exit 64, before any command code runs', () => {
  it.each([
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['--frobnicate'], 'unknown option --frobnicate'],
    [['keys'], 'a sub-command is needed: init, rotate'],
    [['keys', 'open'], 'unknown sub-command "open"'],
    [['keys', 'init', '--shares'], '--shares needs a value'],
    [['keys', 'init', '--shares', '--threshold', '2'], '--shares needs a value'],
    [['staff', 'create', '--emial', 'a@b'], 'unknown option --emial'],
    [['link', '--strict=yes'], '--strict takes no value'],
    [['seal', 'now'], 'unexpected argument "now"'],
    [['restore'], 'missing argument'],
    [['unseal', 'approve', 'a', 'b'], 'unexpected argument "b"'],
    [['serve', '--port', '80'], 'unknown option --port'],
  ])('%j', async (argv, message) => {
    const loads = table.map(([, spec]) => vi.spyOn(spec, 'load'));
    expect(await main(argv)).toBe(64);
    expect(err).toContain(message);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).not.toMatch(/ERR_PARSE_ARGS|\n\s+at /);
    expect(out).toBe('');
    for (const load of loads) expect(load).not.toHaveBeenCalled();
  });

  it('parses values, repeated options and `--` like parseArgs does', () => {
    const options = {
      out: { type: 'string', help: '' },
      w: { type: 'string', multiple: true, help: '' },
      force: { type: 'boolean', help: '' },
    } as const;
    expect(checkArgs(['--out=-', '--w', 'a', '--w=b', '--force', 'P', '--', '--x'], options, [0, 2])).toEqual(
      {
        values: { out: '-', w: ['a', 'b'], force: true },
        positionals: ['P', '--x'],
      },
    );
    expect(() => checkArgs(['--force', '--', '-h'], options, [0, 0])).toThrow(UsageError);
  });

  it('turns an error a command throws into one line and exit 70, never a stack trace', async () => {
    const spec = COMMANDS.seal as CliCommand;
    vi.spyOn(spec, 'load').mockResolvedValue({
      run: () => Promise.reject(new TypeError('cannot read properties of undefined')),
    });
    expect(await main(['seal'])).toBe(70);
    expect(err).toBe('sanctuary: cannot read properties of undefined\n');
  });
});
