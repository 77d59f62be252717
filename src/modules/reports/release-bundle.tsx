import { renderToString } from 'preact-render-to-string';
import { auditPublicKey, type Keyring, sha256, signAudit, verifyAuditSignature } from '../../crypto/index.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import { embeddableSvg, renderBarChart } from './reports.charts.ts';
import { csvField } from './reports.export.ts';
import { categoryLabel } from './reports.labels.ts';
import { reportsMessages as m } from './reports.messages.ts';
import type { Release, ReleaseTables } from './statistics.service.ts';

/**
 * The public release bundle (ADR 0146): a static, self-contained page that can be mirrored
 * anywhere, with its data files, signed with the organisation's key.
 *
 *   index.html            the page: parameters, charts (inline SVG), tables; no script, no
 *                         style sheet or font or image from anywhere else
 *   data/release.json     the release: parameters and every published count
 *   data/<table>.csv      one CSV per table (formula-safe)
 *   manifest.json         SHA-256 of every file above, the release id and the public key
 *   manifest.sig          Ed25519 signature (hex) of "sanctuary-statistics-release-v1\n" + manifest.json
 *
 * The key is the organisation's audit signing key (derived from the root key, only while the
 * server is unsealed; its public key is the one on every audit checkpoint), used with its own
 * domain-separation prefix so a release signature can never pass for a checkpoint's.
 */
const SIGNING_CONTEXT = 'sanctuary-statistics-release-v1\n';
const TABLES = ['month', 'applicant_type', 'outcome', 'destination_region'] as const;
type TableId = (typeof TABLES)[number];

/** The tables a release has (releases made before ADR 0205 have no region table). */
const tablesOf = (release: Release): TableId[] => TABLES.filter((id) => release.tables[id] !== undefined);

export type BundleFiles = Map<string, Buffer>;

function tableCsv(locale: Locale, id: TableId, values: Record<string, number>): string {
  const lines = [['key', 'category', 'count'].map(csvField).join(',')];
  for (const [key, value] of Object.entries(values)) {
    lines.push([csvField(key), csvField(labelOf(locale, id, key)), csvField(value)].join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

function labelOf(locale: Locale, id: string, key: string): string {
  return id === 'outcome' || id === 'destination_region' ? categoryLabel(locale, id, key) : key;
}

const slot = (id: string) => `<span data-chart-slot="${id}"></span>`;

function Page(props: { locale: Locale; release: Release; title: string }) {
  const l = props.locale;
  const r = props.release;
  const t = r.tables;
  return (
    <html lang={l}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{props.title}</title>
      </head>
      <body>
        <main>
          <h1>{props.title}</h1>
          <p>{m(l, 'reports.releases.intro')}</p>
          <dl>
            <dt>{m(l, 'reports.releases.col.period')}</dt>
            <dd>
              {r.period.from} – {r.period.to}
            </dd>
            <dt>{m(l, 'reports.releases.col.rho')}</dt>
            <dd>ρ = {r.rho} (zCDP)</dd>
            <dt>{m(l, 'reports.releases.col.sigma')}</dt>
            <dd>σ² = {r.sigma2} (discrete Gaussian)</dd>
            <dt>{m(l, 'reports.total')}</dt>
            <dd>{t.total}</dd>
          </dl>
          {tablesOf(r).map((id) => (
            <section key={id} aria-labelledby={`h-${id}`}>
              <h2 id={`h-${id}`}>{sectionTitle(l, id)}</h2>
              <figure>
                <span data-chart-slot={id} />
              </figure>
              <table>
                <caption>{sectionTitle(l, id)}</caption>
                <thead>
                  <tr>
                    <th scope="col">{m(l, 'reports.col.category')}</th>
                    <th scope="col">{m(l, 'reports.col.value')}</th>
                  </tr>
                </thead>
                <tbody>
                  {Object.entries(t[id] ?? {}).map(([key, value]) => (
                    <tr key={key}>
                      <th scope="row">{labelOf(l, id, key)}</th>
                      <td>{value}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <p>
                <a href={`data/${id}.csv`}>{`data/${id}.csv`}</a>
              </p>
            </section>
          ))}
          <p>
            <a href="data/release.json">data/release.json</a> · <a href="manifest.json">manifest.json</a> ·{' '}
            <a href="manifest.sig">manifest.sig</a>
          </p>
        </main>
      </body>
    </html>
  );
}

const SECTION_TITLES = {
  month: 'reports.table.cases_opened',
  applicant_type: 'reports.table.applicant_type',
  outcome: 'reports.table.outcome',
  destination_region: 'reports.table.destination_region',
} as const;

function sectionTitle(locale: Locale, id: TableId): string {
  return m(locale, SECTION_TITLES[id]);
}

/** Builds and signs the bundle of a release. Needs the unsealed keyring. */
export async function buildReleaseBundle(
  keyring: Keyring,
  release: Release,
  locale: Locale,
): Promise<BundleFiles> {
  const title = `${m(locale, 'reports.releases.title')}: ${release.period.from} – ${release.period.to}`;
  let html = `<!doctype html>${renderToString(<Page locale={locale} release={release} title={title} />)}`;
  for (const id of tablesOf(release)) {
    const values: NonNullable<ReleaseTables[typeof id]> = release.tables[id] ?? {};
    const svg = await renderBarChart({
      title: sectionTitle(locale, id),
      xTitle: m(locale, 'reports.axis.category'),
      yTitle: m(locale, 'reports.axis.count'),
      points: Object.entries(values).map(([key, value]) => ({ label: labelOf(locale, id, key), value })),
    });
    html = html.replace(
      slot(id),
      embeddableSvg(svg, m(locale, 'reports.chart.label', { title: sectionTitle(locale, id) })),
    );
  }
  const files: BundleFiles = new Map();
  files.set('index.html', Buffer.from(html));
  files.set('data/release.json', Buffer.from(`${JSON.stringify(release, null, 2)}\n`));
  for (const id of tablesOf(release))
    files.set(`data/${id}.csv`, Buffer.from(tableCsv(locale, id, release.tables[id] ?? {})));
  const publicKey = auditPublicKey(keyring);
  const manifest = Buffer.from(
    `${JSON.stringify(
      {
        format: 'sanctuary-statistics-release/1',
        release: release.id,
        publicKey,
        files: Object.fromEntries([...files].map(([name, data]) => [name, sha256(data).toString('hex')])),
      },
      null,
      2,
    )}\n`,
  );
  files.set('manifest.json', manifest);
  files.set(
    'manifest.sig',
    Buffer.from(`${signAudit(keyring, Buffer.concat([Buffer.from(SIGNING_CONTEXT), manifest]))}\n`),
  );
  return files;
}

/** What a check of a bundle found: ok, or the first problem, named. */
export type BundleVerification =
  | { ok: true; release: string; publicKey: string }
  | { ok: false; problem: string };

/**
 * Verifies a bundle with nothing but its files (and, to pin the signer, the organisation's
 * public key as published elsewhere): the signature over the manifest, every file's hash, no
 * file missing or extra, and a page that loads nothing from outside.
 */
export function verifyReleaseBundle(
  files: ReadonlyMap<string, Buffer>,
  expectedPublicKey?: string,
): BundleVerification {
  const manifest = files.get('manifest.json');
  const signature = files.get('manifest.sig')?.toString().trim();
  if (manifest === undefined || signature === undefined)
    return { ok: false, problem: 'manifest.json or manifest.sig is missing' };
  let parsed: { format?: unknown; release?: unknown; publicKey?: unknown; files?: unknown };
  try {
    parsed = JSON.parse(manifest.toString());
  } catch {
    return { ok: false, problem: 'manifest.json is not JSON' };
  }
  const publicKey = typeof parsed.publicKey === 'string' ? parsed.publicKey : '';
  if (parsed.format !== 'sanctuary-statistics-release/1')
    return { ok: false, problem: 'unknown bundle format' };
  if (expectedPublicKey !== undefined && expectedPublicKey !== publicKey) {
    return { ok: false, problem: 'signed by another key than the one expected' };
  }
  if (!verifyAuditSignature(publicKey, Buffer.concat([Buffer.from(SIGNING_CONTEXT), manifest]), signature)) {
    return { ok: false, problem: 'the signature does not match manifest.json' };
  }
  const listed = (parsed.files ?? {}) as Record<string, unknown>;
  for (const [name, hash] of Object.entries(listed)) {
    const data = files.get(name);
    if (data === undefined) return { ok: false, problem: `${name} is missing` };
    if (sha256(data).toString('hex') !== hash) return { ok: false, problem: `${name} was changed` };
  }
  for (const name of files.keys()) {
    if (name !== 'manifest.json' && name !== 'manifest.sig' && !(name in listed)) {
      return { ok: false, problem: `${name} is not in the manifest` };
    }
  }
  const html = files.get('index.html')?.toString() ?? '';
  const outside = html
    .replace(/xmlns(:xlink)?="http:\/\/www\.w3\.org\/[^"]*"/g, '')
    .match(/(?:src|href|action)\s*=\s*"(?:[a-z][a-z0-9+.-]*:|\/\/)[^"]*"|url\(|<script|@import/i);
  if (outside !== null) return { ok: false, problem: `index.html loads from outside: ${outside[0]}` };
  return { ok: true, release: String(parsed.release), publicKey };
}
