/**
 * `sanctuary pathways --profile P.json [--today YYYY-MM-DD] [--lang ru|uk|en]`: prints the ranked
 * pathway options for a profile as JSON on stdout (`--profile -` reads the profile from standard
 * input; `--lang` overrides the profile's language). A bad or missing profile gets a clear English message on
 * stderr (with every schema issue) and a non-zero exit code; never a stack trace.
 */
import { readFile, stat } from 'node:fs/promises';
import type { KnowledgeBase } from '../modules/pathways/index.ts';
import { LOCALES } from '../platform/i18n/index.ts';
import type { CliCall } from './main.ts';
import { readStdin } from './shared.ts';

/** A profile is a few hundred bytes; anything much larger is a mistake or an attack. */
const maxProfileBytes = 64 * 1024;

const usage = '(sanctuary pathways --help)';

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
export async function run(_args: string[], call: CliCall): Promise<number> {
  // `sanctuary pathways pack …` (signed content packs, ADR 0102) has its own file.
  if (call.path[1] === 'pack') return (await import('./pathways-pack.ts')).run(call);
  const values = call.values as { profile?: string; today?: string; pack?: string; lang?: string };
  if (values.profile === undefined || values.profile === '')
    return fail(`--profile is required ${usage}`, EX_USAGE);
  if (values.today !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.today)) {
    return fail('--today must be a date in the form YYYY-MM-DD', EX_USAGE);
  }
  const lang = values.lang;
  if (lang !== undefined && !(LOCALES as readonly string[]).includes(lang)) {
    return fail(`--lang must be one of ${LOCALES.join(', ')}`, EX_USAGE);
  }

  let text: string;
  if (values.profile === '-') {
    try {
      text = await readStdin(maxProfileBytes);
    } catch {
      return fail(
        `the profile on standard input is too large (the limit is ${maxProfileBytes} bytes)`,
        EX_DATAERR,
      );
    }
  } else
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
  if (lang !== undefined && typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    raw = { ...raw, language: lang };
  }
  // The pathways module (about 0.5 s of CPU to load) only once the arguments and the file are
  // known to be usable: a usage error answers at once.
  const { evaluatePathways, loadKnowledgeBase, PathwaysContentError, profileSchema } = await import(
    '../modules/pathways/index.ts'
  );
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
