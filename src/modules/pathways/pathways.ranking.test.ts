import { beforeAll, describe, expect, it } from 'vitest';
import { buildProfile, loadTestKnowledgeBase, testToday } from '../../../test/support/pathways-fixtures.ts';
import type { KnowledgeBase } from './content-loader.ts';
import { evaluatePathways } from './engine.ts';
import type { ApplicantType, ProfileInput } from './pathways.schemas.ts';

/**
 * The ranking scenario table (issue 11, ADR 0031 and 0098): realistic profiles, each stating
 * which option must rank first, which must not be viable, and why, citing the facts the
 * judgement rests on. The first five groups are the unsafe answers the issue found.
 */
interface RankingScenario {
  name: string;
  profile: Partial<ProfileInput>;
  /**
   * The option that must rank first (or one of these, when they are equal on every count); null
   * when nothing may be open.
   */
  first: string | string[] | null;
  /** Options that must come back, closed. */
  notViable: string[];
  why: string;
  /** Fact ids the judgement rests on; each must exist in the knowledge base. */
  facts: string[];
}

const passport = (validUntil = '2030-01-01'): Partial<ProfileInput> => ({
  documents: ['internal_passport', 'foreign_passport'],
  foreignPassportValidUntil: validUntil,
});
const internalOnly: Partial<ProfileInput> = { documents: ['internal_passport'] };
/** A deserter on a wanted list, already in `location`. */
const wantedDeserterIn = (location: string, documents: Partial<ProfileInput>): Partial<ProfileInput> => ({
  applicantType: 'deserter',
  location,
  hasLeftUnit: true,
  onWantedList: true,
  ...documents,
});
const doNotGo = ['by-transit', 'ge-occupied-regions'];
const routesThroughRussia = ['kz-stay', 'kg-stay', 'am-stay', 'ge-stay', 'uz-stay', 'tr-stay', ...doNotGo];

const soldierTypes: ApplicantType[] = [
  'contract',
  'mobilised',
  'officer',
  'deserter',
  'conscript',
  'reservist',
];

const scenarios: RankingScenario[] = [
  // 1. A soldier at the front: surrender first; nothing that runs through Russia is open.
  ...soldierTypes.flatMap((applicantType) =>
    (['UA', 'front'] as const).map(
      (location): RankingScenario => ({
        name: `a ${applicantType} at the front (location ${location}): surrender first, no route through Russia`,
        profile: { applicantType, location, documents: ['internal_passport', 'military_id'] },
        first: 'ua-surrender',
        notViable: routesThroughRussia,
        why: 'A serving soldier at the front cannot travel through Russia; surrender is protected by the Third Geneva Convention.',
        facts: ['ua.gc3-pow', 'ua.want-to-live', 'ru.exit-ban-officials', 'ru.art338'],
      }),
    ),
  ),
  {
    name: 'a contract soldier at the front with a valid foreign passport: the passport opens nothing from there',
    profile: { applicantType: 'contract', location: 'UA', ...passport() },
    first: 'ua-surrender',
    notViable: [...routesThroughRussia, 'rs-stay', 'ae-stay', 'us-parole', 'eu-humanitarian-visa'],
    why: 'Every other country is reached through Russia, where a serving soldier can be stopped.',
    facts: ['ua.gc3-pow', 'ru.exit-ban-officials'],
  },
  {
    name: 'a soldier at the front who has left his unit: surrender first',
    profile: { applicantType: 'other', location: 'front', hasLeftUnit: true, documents: ['military_id'] },
    first: 'ua-surrender',
    notViable: ['kz-stay', 'am-stay', ...doNotGo],
    why: 'Having left the unit he is a deserter under Russian law; only the front line leads out.',
    facts: ['ua.gc3-pow', 'ru.art338'],
  },
  {
    name: 'a civilian family member in occupied Ukraine: no surrender; routes through Russia stay open',
    profile: { applicantType: 'family', location: 'front', ...internalOnly },
    first: 'am-stay',
    notViable: ['ua-surrender', ...doNotGo],
    why: 'Surrender is for members of the armed forces; a civilian can travel through Russia.',
    facts: ['ua.gc3-pow', 'ru.internal-passport-countries'],
  },
  {
    name: 'a called-up reservist in occupied Ukraine with a passport: plan first, the passport opens nothing',
    profile: { applicantType: 'reservist', location: 'front', calledUp: true, ...passport() },
    first: 'ru-get-help',
    notViable: ['ge-stay', 'tr-stay', 'kz-stay', ...doNotGo],
    why: 'Called up but not yet serving: no route through Russia is open to him as a reservist, his passport is invalid under the exit ban, and surrender is dangerous in itself; planning with an organisation comes first.',
    facts: ['ru.exit-ban-summons', 'ua.gc3-pow'],
  },
  {
    name: 'a civilian in occupied Ukraine with a criminal case: plan first, no passport route',
    profile: { applicantType: 'family', location: 'front', criminalCaseOpened: true, ...passport() },
    first: 'ru-get-help',
    notViable: ['ge-stay', 'tr-stay', 'ua-surrender', ...doNotGo],
    why: 'Every way out passes a Russian border post where an accused person is stopped and the passport taken.',
    facts: ['ru.exit-ban-officials', 'ru.exit-ban-summons', 'ru.get-lost'],
  },
  // 2. A wanted deserter already in Armenia.
  {
    name: 'a wanted deserter in Armenia with the internal passport only: Armenian asylum first',
    profile: {
      applicantType: 'deserter',
      location: 'AM',
      hasLeftUnit: true,
      onWantedList: true,
      ...internalOnly,
    },
    first: 'am-asylum',
    notViable: [...doNotGo, 'kz-stay', 'kg-stay', 'ge-stay', 'eu-humanitarian-visa'],
    why: 'Asylum where he is, with UNHCR-funded lawyers, before a lawful stay; Belarus and the occupied regions are "do not go", and so are Kazakhstan and Kyrgyzstan for a wanted man (CIS wanted lists, handovers).',
    facts: [
      'am.asylum-procedure',
      'am.setrakov-rendition',
      'by.tracking-evaders',
      'ge.occupied-stamps',
      'ru.interpol-and-cis-lists',
      'kz.extradite-if-wanted',
      'kg.skoriakin-rendition',
    ],
  },
  {
    name: 'a wanted deserter in Armenia with a foreign passport: Georgia first, Armenia before Central Asia',
    profile: {
      applicantType: 'deserter',
      location: 'AM',
      hasLeftUnit: true,
      onWantedList: true,
      ...passport(),
    },
    first: 'ge-stay',
    notViable: doNotGo,
    why: 'Armenia has seen informal renditions of deserters; Georgia has no known handovers (medium: refusals and no source on wanted notices).',
    facts: ['am.setrakov-rendition', 'ge.visa-free-year', 'ge.entry-refusals'],
  },
  {
    name: 'a deserter (not yet wanted) in Armenia with the internal passport only',
    profile: { applicantType: 'deserter', location: 'AM', hasLeftUnit: true, ...internalOnly },
    first: 'am-asylum',
    notViable: doNotGo,
    why: 'Deserters are what Russia seeks back; protection where he is ranks above a plain stay.',
    facts: ['am.asylum-procedure', 'am.shchetin-2024'],
  },
  {
    name: 'an ordinary emigrant in Armenia with the internal passport: a lawful stay first',
    profile: { location: 'AM', ...internalOnly },
    first: 'am-stay',
    notViable: doNotGo,
    why: 'Nobody seeks him; 180 days a year are lawful, so staying comes before an asylum claim.',
    facts: ['am.stay-180'],
  },
  {
    name: 'an emigrant in Armenia whose lawful stay has ended: the lawful stay is closed, asylum first',
    profile: { location: 'AM', lawfulStayDaysLeft: 0, ...internalOnly },
    first: 'am-asylum',
    notViable: ['am-stay', ...doNotGo],
    why: 'The 180 days are used up; protection is the lawful way to stay.',
    facts: ['am.stay-180', 'am.asylum-procedure'],
  },
  // 3. A diplomat posted in Berlin.
  {
    name: 'a diplomat in Berlin with a diplomatic passport only: asylum in Germany first',
    profile: { applicantType: 'diplomat', location: 'DE', documents: ['diplomatic_passport'] },
    first: ['de-asylum', 'eu-asylum'],
    notViable: ['ge-stay', 'tr-stay', 'rs-stay', 'eu-humanitarian-visa', ...doNotGo],
    why: 'A defecting diplomat asks the host state for protection at once; leaving for Georgia or Turkey would need a passport he no longer has.',
    facts: ['ru.diplomat-bondarev', 'de.deserters-protected', 'eu.law-protects-refusers'],
  },
  {
    name: 'a diplomat in Berlin with a foreign passport too: asylum in Germany still first',
    profile: {
      applicantType: 'diplomat',
      location: 'DE',
      documents: ['diplomatic_passport', 'foreign_passport'],
      foreignPassportValidUntil: '2030-01-01',
    },
    first: ['de-asylum', 'eu-asylum'],
    notViable: ['eu-humanitarian-visa', ...doNotGo],
    why: 'Georgia turns back anti-war Russians (medium for a defector) and Central Asia hands defectors over (high); protection where he is ranks above moving on.',
    facts: ['ge.entry-refusals', 'ru.transnational-repression', 'ru.diplomat-bondarev'],
  },
  {
    name: 'a diplomat in Paris: asylum in France (or the EU) first',
    profile: { applicantType: 'diplomat', location: 'FR', documents: ['diplomatic_passport'] },
    first: ['fr-asylum', 'eu-asylum'],
    notViable: ['eu-humanitarian-visa', 'de-asylum', ...doNotGo],
    why: 'Protection is asked for in the country he is in.',
    facts: ['eu.law-protects-refusers', 'ru.diplomat-bondarev'],
  },
  {
    name: 'a diplomat posted in Switzerland: not in the EU; the EU visa is high risk, Central Asia higher',
    profile: { applicantType: 'diplomat', location: 'CH', documents: ['diplomatic_passport'] },
    first: 'uz-stay',
    notViable: ['eu-asylum', 'ge-stay', ...doNotGo],
    why: 'Our content has no Swiss asylum option; of what is open only Uzbekistan takes a diplomatic passport, and it is high risk for a defector. The view tells him to ask Switzerland (warning).',
    facts: ['uz.foreign-passport', 'ru.diplomat-bondarev'],
  },
  {
    name: 'an officer who defected in Germany: asylum in Germany first',
    profile: { applicantType: 'officer', location: 'DE', hasLeftUnit: true, ...passport() },
    first: ['de-asylum', 'eu-asylum'],
    notViable: ['eu-humanitarian-visa', ...doNotGo],
    why: 'Deserters usually receive protection in Germany; Central Asia is high risk for a defecting officer.',
    facts: ['de.deserters-protected', 'kz.zhilin-deported'],
  },
  // 4. A mobilised man already in Georgia with an expired passport.
  {
    name: 'a mobilised man in Georgia with an expired passport: Georgia stays open, first',
    profile: { applicantType: 'mobilised', location: 'GE', hasLeftUnit: true, ...passport('2025-01-01') },
    first: 'ge-stay',
    notViable: ['tr-stay', 'us-parole', 'eu-humanitarian-visa', ...doNotGo],
    why: 'Entry rules do not apply to someone already there; staying or asking for protection in Georgia comes before any rendition state.',
    facts: ['ge.visa-free-year', 'ge.asylum-procedure', 'kz.zhilin-deported'],
  },
  {
    name: 'a mobilised man in Georgia whose lawful year has ended: protection in Georgia first',
    profile: {
      applicantType: 'mobilised',
      location: 'GE',
      hasLeftUnit: true,
      lawfulStayDaysLeft: 0,
      ...passport('2025-01-01'),
    },
    first: 'ge-asylum',
    notViable: ['ge-stay', ...doNotGo],
    why: 'Without lawful stay left, international protection is the lawful way to remain.',
    facts: ['ge.asylum-procedure', 'ge.visa-free-year'],
  },
  {
    name: 'a mobilised man in Georgia with no documents at all: Georgia still open',
    profile: { applicantType: 'mobilised', location: 'GE', hasLeftUnit: true, documents: [] },
    first: 'ge-stay',
    notViable: ['kz-stay', 'am-stay', ...doNotGo],
    why: 'Being in Georgia already is what counts; onward routes need documents he lacks.',
    facts: ['ge.visa-free-year', 'ge.asylum-procedure'],
  },
  {
    name: 'a wanted man in Georgia: a stay is medium risk, protection first',
    profile: { location: 'GE', onWantedList: true, ...passport() },
    first: 'ge-asylum',
    notViable: doNotGo,
    why: 'No source says how Georgia treats Russian wanted notices (medium either way); for a wanted person protection ranks above a plain stay.',
    facts: ['ge.visa-free-year', 'ge.asylum-procedure'],
  },
  {
    name: 'an ordinary emigrant in Georgia: a lawful stay first',
    profile: { location: 'GE', ...passport() },
    first: 'ge-stay',
    notViable: doNotGo,
    why: 'A year without a visa; no one seeks him.',
    facts: ['ge.visa-free-year'],
  },
  // 5. Wanted or barred, still in Russia: no Upper Lars with a passport Russia declared invalid.
  {
    name: 'a wanted deserter in Russia with a foreign passport: plan with an organisation first, no Upper Lars',
    profile: { applicantType: 'deserter', hasLeftUnit: true, onWantedList: true, ...passport() },
    first: 'ru-get-help',
    notViable: ['ge-stay', 'tr-stay', 'rs-stay', 'ae-stay', 'us-parole', ...doNotGo],
    why: "A barred person's passport is declared invalid and can be taken at the border; every border post is dangerous for him.",
    facts: ['ru.exit-ban-summons', 'ru.exit-ban-officials', 'ru.get-lost'],
  },
  {
    name: 'a man with a criminal case in Russia and a passport: the passport opens nothing',
    profile: { criminalCaseOpened: true, ...passport() },
    first: 'ru-get-help',
    notViable: ['ge-stay', 'tr-stay', 'il-return', ...doNotGo],
    why: 'Suspects and the accused are barred from leaving; their passports are invalidated.',
    facts: ['ru.exit-ban-officials', 'ru.exit-ban-summons'],
  },
  {
    name: 'a called-up conscript in Russia with a passport: no alternative service, no flight',
    profile: { applicantType: 'conscript', calledUp: true, ...passport() },
    first: 'ru-get-help',
    notViable: ['ge-stay', 'ru-alternative-service', ...doNotGo],
    why: 'After the call-up decision the exit is barred and it is too late for alternative service.',
    facts: ['ru.exit-ban-summons', 'ru.acs-deadlines'],
  },
  {
    name: 'a reservist whose electronic summons was posted: exit barred from the posting',
    profile: { applicantType: 'reservist', summonsPosted: true, ...passport() },
    first: 'ru-get-help',
    notViable: ['ge-stay', 'tr-stay', ...doNotGo],
    why: 'The exit ban starts when the summons is entered in the register, not when it is delivered.',
    facts: ['ru.exit-ban-summons', 'ru.summons-register'],
  },
  {
    name: 'a man in Russia who says his passport was declared invalid',
    profile: { passportInvalidated: true, ...passport() },
    first: 'am-stay',
    notViable: ['ge-stay', 'tr-stay', 'ae-stay', ...doNotGo],
    why: 'An invalid passport opens no route (and a consulate may refuse a new one); the internal passport still reaches Armenia by air, and the danger warning says to check first whether an exit ban is behind the invalidation.',
    facts: ['ru.exit-ban-summons', 'ru.consular-passport-refusal', 'ru.internal-passport-countries'],
  },
  {
    name: 'a serving contract soldier in Russia with a passport: plan first',
    profile: { applicantType: 'contract', ...passport() },
    first: 'ru-get-help',
    notViable: [...doNotGo, 'ru-alternative-service'],
    why: 'Serving soldiers may be stopped at the border (no systematic source): every foreign route is high risk, so planning comes first.',
    facts: ['ru.exit-ban-officials', 'ru.get-lost'],
  },
  {
    name: 'a deserter hiding in Russia with the internal passport only',
    profile: { applicantType: 'deserter', hasLeftUnit: true, ...internalOnly },
    first: 'ru-get-help',
    notViable: ['ge-stay', ...doNotGo],
    why: 'Central Asia and Armenia hand deserters back; the border itself is dangerous.',
    facts: ['ru.transnational-repression', 'am.setrakov-rendition', 'ru.get-lost'],
  },
  // Ordinary situations in Russia.
  {
    name: 'an emigrant in Russia with a valid passport: Georgia first',
    profile: passport(),
    first: 'ge-stay',
    notViable: ['ru-get-help', 'fi-asylum', 'ee-asylum', ...doNotGo],
    why: 'A year without a visa and no known handovers; Finland and the Baltic states are closed from Russia.',
    facts: ['ge.visa-free-year', 'fi.border-closed'],
  },
  {
    name: 'an emigrant in Russia with the internal passport only: Armenia first, never Belarus',
    profile: internalOnly,
    first: 'am-stay',
    notViable: ['ge-stay', 'tr-stay', 'uz-stay', ...doNotGo],
    why: 'Only Belarus, Kazakhstan, Kyrgyzstan, Armenia by air and the occupied Georgian regions take the internal passport; two of those are "do not go".',
    facts: ['ru.internal-passport-countries', 'by.tracking-evaders'],
  },
  {
    name: 'a conscript in Russia before call-up with the internal passport: alternative service first',
    profile: { applicantType: 'conscript', ...internalOnly },
    first: 'ru-alternative-service',
    notViable: ['ge-stay', 'ru-get-help', ...doNotGo],
    why: 'A lawful way to refuse arms where he is, before any journey of equal risk.',
    facts: ['ru.acs-right', 'ru.acs-deadlines'],
  },
  {
    name: 'a conscript in Russia before call-up with a passport: Georgia first',
    profile: { applicantType: 'conscript', ...passport() },
    first: 'ge-stay',
    notViable: doNotGo,
    why: 'Georgia is low risk for someone not barred from leaving.',
    facts: ['ge.visa-free-year', 'ru.acs-practice'],
  },
  {
    name: 'a 17-year-old conscript in Russia: alternative service open',
    profile: { applicantType: 'conscript', age: 17, ...internalOnly },
    first: 'ru-alternative-service',
    notViable: doNotGo,
    why: 'The application is due at 17½, before call-up.',
    facts: ['ru.acs-deadlines'],
  },
  {
    name: 'a family with children in Russia and internal passports only',
    profile: { applicantType: 'family', family: { adults: 1, children: 2 }, ...internalOnly },
    first: 'am-stay',
    notViable: ['ge-stay', ...doNotGo],
    why: 'No foreign passports: Armenia by air or Kazakhstan; children under 14 now need their own passports even there.',
    facts: ['ru.internal-passport-countries', 'ru.children-passports-2026'],
  },
  {
    name: 'a person with no documents in Russia: nothing abroad is open',
    profile: { documents: [] },
    first: null,
    notViable: ['kz-stay', 'ge-stay', ...doNotGo],
    why: 'Without a passport no border can be crossed; closed routes are still listed with their reasons.',
    facts: ['ru.internal-passport-countries'],
  },
  {
    name: 'Law of Return without a foreign passport: Israel closed',
    profile: { lawOfReturnEligible: true, ...internalOnly },
    first: 'am-stay',
    notViable: ['il-return', ...doNotGo],
    why: 'Travel to Israel needs a foreign passport.',
    facts: ['il.law-of-return', 'ru.internal-passport-countries'],
  },
  {
    name: 'a passport with three months left: the UAE is closed',
    profile: passport('2027-02-22'),
    first: 'ge-stay',
    notViable: ['ae-stay', ...doNotGo],
    why: 'The UAE needs six months of validity.',
    facts: ['ae.passport-six-months'],
  },
  // Transit states: where you are, then moving on.
  {
    name: 'an emigrant in Kazakhstan with the internal passport: a lawful stay first',
    profile: { location: 'KZ', ...internalOnly },
    first: 'kz-stay',
    notViable: ['ge-stay', ...doNotGo],
    why: '90 days in 180 are lawful; no one seeks him.',
    facts: ['kz.90-180'],
  },
  {
    name: 'a wanted man in Kazakhstan: refugee status first, Belarus and Kyrgyzstan never',
    profile: { location: 'KZ', onWantedList: true, ...internalOnly },
    first: 'kz-asylum',
    notViable: ['kg-stay', ...doNotGo],
    why: 'Kazakhstan has deported a deserter; the asylum-seeker certificate makes the stay lawful while he plans onward travel. Kyrgyzstan reads the same CIS wanted lists and has handed people over without a court.',
    facts: [
      'kz.asylum-procedure',
      'kz.zhilin-deported',
      'ru.interpol-and-cis-lists',
      'kg.skoriakin-rendition',
    ],
  },
  {
    name: 'a wanted deserter in Kazakhstan with the internal passport only: never on to Kyrgyzstan',
    profile: {
      applicantType: 'deserter',
      location: 'KZ',
      hasLeftUnit: true,
      onWantedList: true,
      ...internalOnly,
    },
    first: 'kz-asylum',
    notViable: ['kg-stay', 'kg-asylum', 'ge-stay', ...doNotGo],
    why: 'Moving from one Minsk Convention state to another gains him nothing: Kyrgyzstan handed a wanted Russian to Russian officers without a court; Kazakhstan extradites wanted deserters, so protection here comes with moving on as fast as he can (Armenia by air is the open alternative).',
    facts: [
      'kz.extradite-if-wanted',
      'ru.interpol-and-cis-lists',
      'kg.skoriakin-rendition',
      'kz.asylum-procedure',
    ],
  },
  {
    name: 'a wanted deserter in Kazakhstan with a foreign passport: Georgia first, Kyrgyzstan closed',
    profile: {
      applicantType: 'deserter',
      location: 'KZ',
      hasLeftUnit: true,
      onWantedList: true,
      ...passport(),
    },
    first: 'ge-stay',
    notViable: ['kg-stay', ...doNotGo],
    why: 'With a passport he can leave the CIS for a state with no known handovers; Kyrgyzstan is "do not go" for a wanted man.',
    facts: ['kz.extradite-if-wanted', 'kg.skoriakin-rendition', 'ge.entry-refusals'],
  },
  {
    name: 'a deserter in Kazakhstan with a passport: Georgia first, Kazakh options after',
    profile: { applicantType: 'deserter', location: 'KZ', hasLeftUnit: true, ...passport() },
    first: 'ge-stay',
    notViable: doNotGo,
    why: 'Kazakhstan is high risk for deserters; Georgia is medium.',
    facts: ['kz.zhilin-deported', 'ge.entry-refusals'],
  },
  {
    name: 'an emigrant in Kazakhstan whose 90 days are used up',
    profile: { location: 'KZ', lawfulStayDaysLeft: 0, ...internalOnly },
    first: 'kz-asylum',
    notViable: ['kz-stay', ...doNotGo],
    why: 'The 90/180 rule cannot be renewed by a visa run.',
    facts: ['kz.90-180', 'kz.asylum-procedure'],
  },
  {
    name: 'a deserter in Kyrgyzstan with the internal passport: refugee status there first, never Belarus',
    profile: { applicantType: 'deserter', location: 'KG', hasLeftUnit: true, ...internalOnly },
    first: 'kg-asylum',
    notViable: doNotGo,
    why: 'Kyrgyz services handed an exile to Russia (high everywhere in the region); protection where he is, with free legal aid, ranks above a further high-risk move.',
    facts: ['kg.skoriakin-rendition', 'kg.asylum-procedure', 'ru.transnational-repression'],
  },
  {
    name: 'an emigrant in Kyrgyzstan with a passport: Georgia first',
    profile: { location: 'KG', ...passport() },
    first: 'ge-stay',
    notViable: doNotGo,
    why: 'Kyrgyzstan is medium risk; Georgia low.',
    facts: ['kg.skoriakin-rendition', 'ge.visa-free-year'],
  },
  {
    name: 'an emigrant in Turkey: Georgia first (low), Turkey medium',
    profile: { location: 'TR', ...passport() },
    first: 'ge-stay',
    notViable: doNotGo,
    why: 'Turkish residence permits are refused to Russians; Georgia is low risk.',
    facts: ['tr.60-days-permits', 'ge.visa-free-year'],
  },
  {
    name: 'a deserter in Turkey: protection in Turkey first',
    profile: { applicantType: 'deserter', location: 'TR', hasLeftUnit: true, ...passport() },
    first: 'tr-asylum',
    notViable: doNotGo,
    why: 'Equal risk to moving on to Georgia; for a deserter, protection where he is ranks first.',
    facts: ['tr.asylum-procedure', 'ge.entry-refusals'],
  },
  {
    name: 'a deserter in Turkey whose passport expired: Turkey stays open',
    profile: { applicantType: 'deserter', location: 'TR', hasLeftUnit: true, ...passport('2025-06-01') },
    first: 'tr-asylum',
    notViable: ['ge-stay', ...doNotGo],
    why: 'Entry rules do not apply to someone already in Turkey.',
    facts: ['tr.asylum-procedure', 'tr.60-days-permits'],
  },
  {
    name: 'an emigrant in Serbia: Georgia first',
    profile: { location: 'RS', ...passport() },
    first: 'ge-stay',
    notViable: doNotGo,
    why: 'Serbia has expelled anti-war Russians (medium); Georgia low.',
    facts: ['rs.visa-free-and-pressure', 'ge.visa-free-year'],
  },
  {
    name: 'a deserter in Serbia: asylum in Serbia first, at the same risk as moving to Georgia',
    profile: { applicantType: 'deserter', location: 'RS', hasLeftUnit: true, ...passport() },
    first: 'rs-asylum',
    notViable: doNotGo,
    why: 'Serbia is medium risk (expulsions of activists, few grants); for a deserter protection where he is comes first.',
    facts: ['rs.asylum-procedure', 'rs.visa-free-and-pressure', 'ge.entry-refusals'],
  },
  {
    name: 'an emigrant in Uzbekistan: Georgia first',
    profile: { location: 'UZ', ...passport() },
    first: 'ge-stay',
    notViable: doNotGo,
    why: 'Central Asia is medium risk; Georgia low.',
    facts: ['ru.transnational-repression', 'ge.visa-free-year'],
  },
  {
    name: 'an emigrant in Mongolia: Georgia first',
    profile: { location: 'MN', ...passport() },
    first: 'ge-stay',
    notViable: doNotGo,
    why: 'A short lawful stay and little work in Mongolia.',
    facts: ['mn.visa-free-30', 'mn.hard-living'],
  },
  {
    name: 'an emigrant in the UAE whose passport has 3 months left: the UAE stays open for him there',
    profile: { location: 'AE', ...passport('2027-02-22') },
    first: 'ge-stay',
    notViable: doNotGo,
    why: 'The six-month rule is for entry; Georgia is low risk.',
    facts: ['ae.passport-six-months', 'ge.visa-free-year'],
  },
  {
    name: 'someone in Belarus: Belarus is never an option, even there',
    profile: { location: 'BY', ...internalOnly },
    first: 'am-stay',
    notViable: doNotGo,
    why: 'Belarusian services track Russians evading mobilisation.',
    facts: ['by.tracking-evaders'],
  },
  // More people, more places.
  {
    name: 'an officer in Russia with a passport: plan first, never Belarus',
    profile: { applicantType: 'officer', ...passport() },
    first: 'ru-get-help',
    notViable: doNotGo,
    why: 'Officers may be barred from leaving; Central Asia hands defectors back.',
    facts: ['ru.exit-ban-officials', 'kz.zhilin-deported'],
  },
  {
    name: 'a diplomat at home in Russia with a diplomatic passport: plan first',
    profile: { applicantType: 'diplomat', documents: ['internal_passport', 'diplomatic_passport'] },
    first: 'ru-get-help',
    notViable: ['ge-stay', ...doNotGo],
    why: 'A defector is pursued like a deserter; only Uzbekistan takes the diplomatic passport, and it is high risk.',
    facts: ['uz.foreign-passport', 'ru.transnational-repression'],
  },
  {
    name: "a deserter's wife in Russia with a passport: Georgia first",
    profile: { applicantType: 'family', ...passport() },
    first: 'ge-stay',
    notViable: ['ru-get-help', ...doNotGo],
    why: 'Nothing bars her from leaving; Georgia is low risk.',
    facts: ['ge.visa-free-year'],
  },
  {
    name: 'a deserter already in Georgia with a valid passport: stay in Georgia first',
    profile: { applicantType: 'deserter', location: 'GE', hasLeftUnit: true, ...passport() },
    first: 'ge-stay',
    notViable: ['ru-alternative-service', ...doNotGo],
    why: 'No handovers from Georgia are known; entry refusals do not concern someone already inside.',
    facts: ['ge.visa-free-year', 'ge.entry-refusals'],
  },
  {
    name: 'a wanted man in Turkey: protection in Turkey first',
    profile: { location: 'TR', onWantedList: true, ...passport() },
    first: 'tr-asylum',
    notViable: doNotGo,
    why: 'For a wanted person, protection where he is ranks above a 60-day tourist stay.',
    facts: ['tr.asylum-procedure', 'tr.60-days-permits'],
  },
  {
    name: 'a deserter in Uzbekistan with a passport: Georgia before Central Asia',
    profile: { applicantType: 'deserter', location: 'UZ', hasLeftUnit: true, ...passport() },
    first: 'ge-stay',
    notViable: doNotGo,
    why: 'Central Asian states have proved unsafe for people Russia wants back.',
    facts: ['ru.transnational-repression', 'ge.entry-refusals'],
  },
  {
    name: 'a mobilised man in Mongolia: refugee status from UNHCR there first (equal risk to moving on)',
    profile: { applicantType: 'mobilised', location: 'MN', hasLeftUnit: true, ...passport() },
    first: 'mn-protection',
    notViable: doNotGo,
    why: 'No renditions from Mongolia in our sources; Georgia carries the same (medium) risk for a deserter; for someone Russia seeks, protection where he is (UNHCR decides under its mandate; Mongolia has in general respected non-refoulement) ranks above a 30-day stay.',
    facts: ['mn.visa-free-30', 'ge.entry-refusals', 'mn.no-asylum-procedure'],
  },
  {
    name: 'a deserter in the UAE (no case known): UNHCR there first (equal risk to moving on)',
    profile: { applicantType: 'deserter', location: 'AE', hasLeftUnit: true, ...passport() },
    first: 'ae-protection',
    notViable: doNotGo,
    why: 'Without a known case the extradition treaty is not in play: the UAE is at the same risk as Georgia, and for someone Russia seeks, registering with UNHCR (which seeks a third country) ranks above a plain 90-day stay.',
    facts: ['ae.visa-free-90', 'ae.no-asylum-system', 'ge.entry-refusals'],
  },
  // Protection where you are in states outside the Refugee Convention (UZ, MN, AE).
  {
    name: 'a wanted deserter in Uzbekistan with a passport: Georgia first, no CIS neighbour',
    profile: wantedDeserterIn('UZ', passport()),
    first: 'ge-stay',
    notViable: ['kz-stay', 'kg-stay', ...doNotGo],
    why: 'Uzbekistan has no asylum procedure and decides extradition under CIS treaties; Kazakhstan and Kyrgyzstan are "do not go" for a wanted man; Georgia has no known handovers.',
    facts: [
      'uz.no-asylum-system',
      'uz.extradition',
      'kz.extradite-if-wanted',
      'kg.skoriakin-rendition',
      'ge.entry-refusals',
    ],
  },
  {
    name: 'a wanted deserter in Uzbekistan with the internal passport only: nothing safe is open; never Kazakhstan or Kyrgyzstan',
    profile: wantedDeserterIn('UZ', internalOnly),
    first: ['uz-protection', 'uz-stay'],
    notViable: ['kz-stay', 'kg-stay', 'ge-stay', 'eu-humanitarian-visa', ...doNotGo],
    why: 'Every open option is high risk; what he can do where he is comes first, and the Uzbek option itself says there is no asylum procedure and moving on is the route.',
    facts: ['uz.no-asylum-system', 'uz.extradition', 'kz.extradite-if-wanted', 'ge.visa-free-year'],
  },
  {
    name: 'a wanted deserter in Mongolia: refugee status from UNHCR there first',
    profile: wantedDeserterIn('MN', passport()),
    first: 'mn-protection',
    notViable: ['kz-stay', 'kg-stay', 'uz-protection', ...doNotGo],
    why: 'No handovers from Mongolia are known and UNHCR decides refugee status there under its mandate; protection where he is ranks above moving on at equal (medium) risk.',
    facts: ['mn.no-asylum-procedure', 'kz.extradite-if-wanted', 'kg.skoriakin-rendition'],
  },
  {
    name: 'a wanted deserter in the UAE: Georgia first; the UAE extradites to Russia under a treaty',
    profile: wantedDeserterIn('AE', passport()),
    first: 'ge-stay',
    notViable: ['kz-stay', 'kg-stay', 'uz-protection', ...doNotGo],
    why: 'The Russia–UAE extradition treaty is in force and UAE courts have granted Russian requests; UNHCR registration does not stop it; Georgia has no known handovers.',
    facts: ['ae.extradition-treaty', 'ae.no-asylum-system', 'ge.entry-refusals'],
  },
  {
    name: 'a conscript (not called up) in the UAE: Georgia first; the UAE offers no asylum',
    profile: { applicantType: 'conscript', location: 'AE', ...passport() },
    first: 'ge-stay',
    notViable: ['ua-surrender', 'ru-get-help', ...doNotGo],
    why: 'Nobody seeks him, so the extradition treaty is not in play, but the UAE gives visitor status only and no asylum (UNHCR can only seek a third country); Georgia, a year visa-free, is low risk. Surrender and planning from inside Russia are not for him.',
    facts: ['ae.passport-six-months', 'ae.no-asylum-system', 'ge.visa-free-year', 'ua.gc3-pow'],
  },
  {
    name: 'a conscript in the UAE whose 90 days are used up: the stay is closed; no asylum there',
    profile: { applicantType: 'conscript', location: 'AE', lawfulStayDaysLeft: 0, ...passport() },
    first: 'ge-stay',
    notViable: ['ae-stay', ...doNotGo],
    why: 'The 90 days in 180 are used up and UNHCR registration is no visa; Georgia (a year visa-free) is low risk for him.',
    facts: ['ae.visa-free-90', 'ae.no-asylum-system', 'ge.visa-free-year'],
  },
  {
    name: 'a conscript who left Russia before call-up, now in Georgia: no alternative service from abroad',
    profile: { applicantType: 'conscript', location: 'GE', ...passport() },
    first: 'ge-stay',
    notViable: ['ru-alternative-service', ...doNotGo],
    why: 'Alternative service is applied for in Russia.',
    facts: ['ru.acs-right', 'ge.visa-free-year'],
  },
  {
    name: 'a 16-year-old in Russia with the internal passport: Armenia first',
    profile: { applicantType: 'family', age: 16, ...internalOnly },
    first: 'am-stay',
    notViable: doNotGo,
    why: 'The same routes as an adult with the internal passport; a warning raises travel as a minor.',
    facts: ['ru.internal-passport-countries', 'ru.acs-deadlines'],
  },
  {
    name: 'a conscript born in 2009 in Russia: alternative service first',
    profile: { applicantType: 'conscript', birthYear: 2009, ...internalOnly },
    first: 'ru-alternative-service',
    notViable: doNotGo,
    why: 'At 17 he can still apply in time.',
    facts: ['ru.acs-deadlines'],
  },
  {
    name: 'a wanted deserter in Russia with the internal passport only: plan first',
    profile: { applicantType: 'deserter', hasLeftUnit: true, onWantedList: true, ...internalOnly },
    first: 'ru-get-help',
    notViable: ['ge-stay', ...doNotGo],
    why: 'Wanted people are stopped at border posts and handed back from Central Asia.',
    facts: ['ru.exit-ban-officials', 'ru.transnational-repression'],
  },
  {
    name: 'a called-up conscript already in Kazakhstan: a lawful stay first',
    profile: { applicantType: 'conscript', calledUp: true, location: 'KZ', ...internalOnly },
    first: 'kz-stay',
    notViable: ['ru-alternative-service', ...doNotGo],
    why: 'Out of Russia the exit ban no longer matters; nobody has opened a case yet.',
    facts: ['kz.90-180', 'ru.exit-ban-summons'],
  },
  {
    name: 'a deserter at the front with a valid passport: surrender, not Upper Lars',
    profile: { applicantType: 'deserter', location: 'UA', hasLeftUnit: true, ...passport() },
    first: 'ua-surrender',
    notViable: routesThroughRussia,
    why: 'Georgia would mean crossing Russia first.',
    facts: ['ua.gc3-pow', 'ru.exit-ban-officials'],
  },
  // Safe states.
  ...(['DE', 'FR', 'EE', 'LV', 'LT', 'PL', 'FI', 'NO'] as const).map(
    (location): RankingScenario => ({
      name: `a deserter already in ${location}: protection there first, no humanitarian visa`,
      profile: { applicantType: 'deserter', location, hasLeftUnit: true, ...passport() },
      first: [`${location.toLowerCase()}-asylum`, 'eu-asylum'],
      notViable: location === 'NO' ? doNotGo : ['eu-humanitarian-visa', ...doNotGo],
      why: 'Protection is asked for where he is; EU law can protect those who refuse to fight in this war.',
      facts: ['eu.law-protects-refusers'],
    }),
  ),
  ...(['AT', 'IT', 'ES'] as const).map(
    (location): RankingScenario => ({
      name: `a mobilised man in ${location}: EU asylum first`,
      profile: { applicantType: 'mobilised', location, hasLeftUnit: true, ...passport() },
      first: 'eu-asylum',
      notViable: ['eu-humanitarian-visa', 'de-asylum', ...doNotGo],
      why: 'Any EU member state is responsible for a claim made there.',
      facts: ['eu.law-protects-refusers'],
    }),
  ),
  {
    name: 'a reservist in Germany never called up: asylum is high risk; still no Belarus',
    profile: { applicantType: 'reservist', location: 'DE', ...passport() },
    first: 'ge-stay',
    notViable: ['eu-humanitarian-visa', ...doNotGo],
    why: 'The BAMF often refuses those who left before a call-up (high); Georgia is low for someone nobody seeks.',
    facts: ['de.evaders-rejected', 'ge.visa-free-year'],
  },
  {
    name: 'an emigrant in the United States: parole is requested from outside',
    profile: { location: 'US', ...passport() },
    first: 'ge-stay',
    notViable: ['us-parole', ...doNotGo],
    why: 'Parole is requested from outside the US.',
    facts: ['us.parole-basics'],
  },
  {
    name: 'an emigrant in Turkey can request US parole, but it ranks after lower risks',
    profile: { location: 'TR', ...passport() },
    first: 'ge-stay',
    notViable: ['us-asylum', ...doNotGo],
    why: 'US parole is discretionary and high risk.',
    facts: ['us.parole-basics'],
  },
];

describe('ranking scenarios (issue 11)', () => {
  let kb: KnowledgeBase;
  beforeAll(async () => {
    kb = await loadTestKnowledgeBase();
  });

  it('has at least 80 profiles', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(80);
  });

  it.each(scenarios)('$name', ({ profile, first, notViable }) => {
    const result = evaluatePathways(buildProfile(profile), kb, { today: testToday });
    const top = result.options[0];
    if (first === null) {
      expect(result.options.filter((o) => o.viable.value).map((o) => o.id)).toEqual([]);
    } else {
      expect(top?.viable.value, `${top?.id} is viable`).toBe(true);
      expect(Array.isArray(first) ? first : [first], `first is ${top?.id}`).toContain(top?.id);
    }
    for (const id of notViable) {
      const option = result.options.find((o) => o.id === id);
      expect(option, id).toBeDefined();
      expect(option?.viable.value, `${id} not viable`).toBe(false);
      expect(option?.viable.reasons.length, `${id} says why`).toBeGreaterThan(0);
    }
    // Every option says why it is where it is.
    for (const o of result.options) expect(o.rank.text.length, o.id).toBeGreaterThan(10);
  });

  it('cites only facts that exist', () => {
    for (const s of scenarios) for (const f of s.facts) expect(kb.facts.has(f), `${s.name}: ${f}`).toBe(true);
  });
});
