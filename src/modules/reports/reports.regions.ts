import { createRequire } from 'node:module';
import type { Countries } from 'world-countries';

// The package's types describe an ES default export while its main entry is CommonJS; requiring
// it is what every runtime here (Node, tsx, Vitest, the compiled dist/) agrees on.
const countries = createRequire(import.meta.url)('world-countries') as Countries;

/**
 * Destination regions of public releases (issue 19 item 3, ADR 0205): a fixed list, never taken
 * from the data, so an empty region is released (with noise) like any other. Europe and Asia,
 * where nearly every route of this programme ends, are split into the sub-regions of the
 * `world-countries` data set (close to the UN's M49 geoscheme); the other continents are one
 * region each (data: `world-countries`, ODbL-1.0, credited in docs/reports.md). `european_union` is the knowledge base's "any EU member state" (code EU);
 * `none` is a case with no chosen pathway; `other` a code no region knows.
 */
export const DESTINATION_REGIONS = [
  'central_asia',
  'western_asia',
  'other_asia',
  'eastern_europe',
  'central_europe',
  'northern_europe',
  'western_europe',
  'southern_europe',
  'european_union',
  'americas',
  'africa',
  'oceania',
  'other',
  'none',
] as const;

export type DestinationRegion = (typeof DESTINATION_REGIONS)[number];

const SUBREGIONS: Readonly<Record<string, DestinationRegion>> = {
  'Asia/Central Asia': 'central_asia',
  'Asia/Western Asia': 'western_asia',
  'Europe/Eastern Europe': 'eastern_europe',
  'Europe/Central Europe': 'central_europe',
  'Europe/Northern Europe': 'northern_europe',
  'Europe/Western Europe': 'western_europe',
  'Europe/Southern Europe': 'southern_europe',
  'Europe/Southeast Europe': 'southern_europe',
};
const CONTINENTS: Readonly<Record<string, DestinationRegion>> = {
  Asia: 'other_asia',
  Americas: 'americas',
  Africa: 'africa',
  Oceania: 'oceania',
};

const byCode = new Map<string, DestinationRegion>(
  countries.map((c) => [
    c.cca2,
    SUBREGIONS[`${c.region}/${c.subregion}`] ?? CONTINENTS[c.region] ?? ('other' as DestinationRegion),
  ]),
);
byCode.set('EU', 'european_union');

/** The region of an ISO 3166-1 alpha-2 code (or the knowledge base's EU), `other` when unknown. */
export function regionOf(country: string): DestinationRegion {
  return byCode.get(country.toUpperCase()) ?? 'other';
}
