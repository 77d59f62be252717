/**
 * `sanctuary pathways --profile P.json [--today YYYY-MM-DD]`: prints the ranked pathway options
 * for a profile as JSON on stdout. A bad or missing profile gets a clear English message on
 * stderr (with every schema issue) and a non-zero exit code; never a stack trace.
 */
import { readFile, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  evaluatePathways,
  type KnowledgeBase,
  loadKnowledgeBase,
  PathwaysContentError,
  profileSchema,
} from '../modules/pathways/index.ts';

export const summary =
  'print the ranked pathway options for a profile, as JSON (--profile P.json); pack build|verify|publish|keygen';

/** A profile is a few hundred bytes; anything much larger is a mistake or an attack. */
const maxProfileBytes = 64 * 1024;

const usage =
  'usage: sanctuary pathways --profile P.json [--today YYYY-MM-DD] [--pack P]\n       sanctuary pathways pack keygen|build|verify|publish … (sanctuary pathways pack --help)';

// Exit codes follow sysexits(3): usage, bad data, missing input, internal error.
const EX_USAGE = 64;
const EX_DATAERR = 65;
const EX_NOINPUT = 66;
const EX_SOFTWARE = 70;

function fail(message: string, code: number): number {
  process.stderr.write(`sanctuary pathways: ${message}\n`);
  return code;
}

/** Runs the command; returns the process exit code. */
export async function run(args: string[]): Promise<number> {
  // `sanctuary pathways pack …` (signed content packs, ADR 0102) has its own file.
  if (args[0] === 'pack') return (await import('./pathways-pack.ts')).run(args.slice(1));
  let values: {
    profile?: string | undefined;
    today?: string | undefined;
    pack?: string | undefined;
    help?: boolean | undefined;
  };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        profile: { type: 'string' },
        today: { type: 'string' },
        pack: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return fail(`${(err as Error).message}\n${usage}`, EX_USAGE);
  }
  if (values.help === true) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (values.profile === undefined || values.profile === '')
    return fail(`--profile is required\n${usage}`, EX_USAGE);
  if (values.today !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.today)) {
    return fail('--today must be a date in the form YYYY-MM-DD', EX_USAGE);
  }

  let text: string;
  try {
    const info = await stat(values.profile);
    if (!info.isFile()) return fail(`${values.profile} is not a file`, EX_NOINPUT);
    if (info.size > maxProfileBytes) {
      return fail(
        `profile file is too large (${info.size} bytes; the limit is ${maxProfileBytes})`,
        EX_DATAERR,
      );
    }
    text = await readFile(values.profile, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return fail(`cannot read profile file ${values.profile} (${code ?? 'error'})`, EX_NOINPUT);
  }

  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return fail(`profile file is not valid JSON: ${(err as Error).message}`, EX_DATAERR);
  }
  const parsed = profileSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(profile)'}: ${i.message}`);
    return fail(`the profile is invalid:\n${lines.join('\n')}`, EX_DATAERR);
  }

  // --pack: evaluate with a signed content pack (verified like the server does) instead of the
  // built-in content; its content version is the one printed.
  let packKb: KnowledgeBase | undefined;
  if (values.pack !== undefined) {
    const verified = await (await import('./pathways-pack.ts')).openPackFile(values.pack);
    if (typeof verified === 'number') return verified;
    packKb = verified.knowledgeBase;
  }

  try {
    const kb = packKb ?? (await loadKnowledgeBase());
    const result = evaluatePathways(
      parsed.data,
      kb,
      values.today === undefined ? {} : { today: values.today },
    );
    const out = { options: result.options, warnings: result.warnings, contentVersion: result.contentVersion };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof PathwaysContentError) return fail(err.message, EX_SOFTWARE);
    return fail(`internal error: ${(err as Error).message}`, EX_SOFTWARE);
  }
}
