/** `sanctuary outreach leaflet`: one print-ready PDF card or leaflet (ADR 0155). */
import {
  ARRIVAL_CODE,
  type IntakeAddresses,
  intakeLinks,
  loadOutreachContent,
  OutreachContentError,
  renderLeaflet,
} from '../modules/outreach/index.ts';
import { writeSyncedFile } from '../platform/files.ts';
import type { CliCall } from './main.ts';

type Values = CliCall['values'];
interface Helpers {
  fail(message: string, code: number): number;
  text(values: Values, name: string): string | undefined;
  addressesFrom(values: Values): IntakeAddresses | string;
  usage: string;
}

/** `parsed`: the options and arguments as the command table (commands.ts) checked them. */
export async function leaflet(parsed: Pick<CliCall, 'values' | 'positionals'>, h: Helpers): Promise<number> {
  const out = h.text(parsed.values, 'out');
  if (out === undefined || parsed.positionals.length > 0) return h.fail(`--out is required\n${h.usage}`, 64);
  const size = h.text(parsed.values, 'size') ?? 'a6';
  const variant = h.text(parsed.values, 'variant') ?? 'plain';
  const lang = h.text(parsed.values, 'lang') ?? 'ru';
  if (size !== 'a6' && size !== 'a5') return h.fail('--size is a6 or a5', 64);
  if (variant !== 'plain' && variant !== 'discreet') return h.fail('--variant is plain or discreet', 64);
  const campaign = h.text(parsed.values, 'campaign');
  if (campaign !== undefined && !ARRIVAL_CODE.test(campaign))
    return h.fail('--campaign is 1 to 24 lower-case letters, digits and dashes', 64);
  const addresses = h.addressesFrom(parsed.values);
  if (typeof addresses === 'string') return h.fail(addresses, 64);
  let content: Awaited<ReturnType<typeof loadOutreachContent>>;
  try {
    content = await loadOutreachContent();
  } catch (err) {
    if (err instanceof OutreachContentError)
      return h.fail(`the content is invalid:\n  ${err.issues.join('\n  ')}`, 65);
    throw err;
  }
  const strings = content.strings.get(lang);
  if (strings === undefined)
    return h.fail(`--lang must be one of ${content.languages.map((l) => l.code).join(', ')}`, 64);
  const [first] = intakeLinks(addresses, campaign);
  const [printed] = intakeLinks(addresses);
  if (first === undefined || printed === undefined) return h.fail('no intake address', 64);
  const pdf = await renderLeaflet({ size, variant, lang, strings, url: first.href, printed: printed.text });
  try {
    await writeSyncedFile(out, pdf, 0o644);
  } catch (err) {
    return h.fail(`cannot write ${out} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, 73);
  }
  process.stdout.write(
    `${JSON.stringify({ out, bytes: pdf.length, size, variant, lang, qr: first.href }, null, 2)}\n`,
  );
  return 0;
}
