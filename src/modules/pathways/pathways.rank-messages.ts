/**
 * Why an option stands where it does in the ranked list, in ru / uk / en (ADR 0031). The engine
 * picks the ranking key that separated an option from the one above it; these texts say it in
 * plain words. Also the engine's own journey reasons (ADR 0098), which rest on geography, not on
 * one country's content.
 */
import type { Locale, RiskLevel } from './pathways.schemas.ts';

export interface RankMessages {
  firstViable: string;
  firstViableHere: string;
  firstNotViable: string;
  below: (title: string, why: string) => string;
  viable: string;
  risk: (level: RiskLevel) => string;
  hereProtectionFirst: string;
  hereStayFirst: string;
  hereBeforeMovingOn: string;
  baseRisk: string;
  crossings: (mine: number, theirs: number) => string;
  documents: (mine: number, theirs: number) => string;
  days: (mine: number | undefined, theirs: number | undefined) => string;
  steps: string;
  id: string;
  /** Reason an option is open without entry rules: the person is already there. */
  alreadyHere: (country: string) => string;
  /** Reason an option is closed: a serving soldier at the front would have to cross Russia. */
  throughRussia: string;
}

const riskRu: Record<RiskLevel, string> = { low: 'низкий', medium: 'средний', high: 'высокий' };
const riskUk: Record<RiskLevel, string> = { low: 'низький', medium: 'середній', high: 'високий' };
const daysText = (d: number | undefined, unknown: string): string => (d === undefined ? unknown : String(d));

export const rankMessages: Record<Locale, RankMessages> = {
  en: {
    firstViable: 'Listed first: open to you, and no other open route carries less risk for you.',
    firstViableHere:
      'Listed first: open to you where you already are, and no other open route carries less risk for you.',
    firstNotViable: 'No route is open to you now; this closed route is listed first among them.',
    below: (title, why) => `Below “${title}”: ${why}`,
    viable: 'that route is open to you and this one is not.',
    risk: (level) => `this one carries more risk for you (${level}).`,
    hereProtectionFirst:
      'same risk for you, and for someone in your situation asking for protection where you are comes first.',
    hereStayFirst: 'same risk for you, and staying lawfully where you are comes before other steps there.',
    hereBeforeMovingOn:
      'same risk for you, and what can be done where you already are comes before moving on.',
    baseRisk: 'same risk for you, but this route is more dangerous in itself.',
    crossings: (mine, theirs) =>
      `same risk for you, but this one has more border crossings ahead (${mine} against ${theirs}).`,
    documents: (mine, theirs) =>
      `same risk for you, but this one needs more documents obtained first (${mine} against ${theirs}).`,
    days: (mine, theirs) =>
      `same risk and journey, but this one usually takes longer (about ${daysText(mine, 'unknown')} days against ${daysText(theirs, 'unknown')}).`,
    steps: 'same risk and journey, but this one has more steps.',
    id: 'equal on every count; the order between them is fixed, not a judgement.',
    alreadyHere: (country) => `You are already in ${country}: the rules for entering it do not apply to you.`,
    throughRussia:
      'You serve at the front or in occupied Ukraine: reaching this country means travelling through Russia, where a serving soldier can be stopped and sent back to the unit. Not open to you from where you are.',
  },
  ru: {
    firstViable: 'Первым: доступно вам, и ни один другой доступный путь не несёт для вас меньшего риска.',
    firstViableHere:
      'Первым: доступно там, где вы уже находитесь, и ни один другой доступный путь не несёт для вас меньшего риска.',
    firstNotViable: 'Сейчас вам не доступен ни один путь; этот закрытый путь указан первым среди них.',
    below: (title, why) => `Ниже, чем «${title}»: ${why}`,
    viable: 'тот путь вам доступен, а этот нет.',
    risk: (level) => `этот путь для вас рискованнее (риск ${riskRu[level]}).`,
    hereProtectionFirst:
      'риск для вас тот же, а в вашем положении просить защиты там, где вы находитесь, важнее всего.',
    hereStayFirst: 'риск для вас тот же, а законное пребывание там, где вы находитесь, идёт первым.',
    hereBeforeMovingOn:
      'риск для вас тот же, а то, что можно сделать там, где вы уже находитесь, идёт раньше, чем ехать дальше.',
    baseRisk: 'риск для вас тот же, но сам этот путь опаснее.',
    crossings: (mine, theirs) =>
      `риск для вас тот же, но впереди больше пересечений границы (${mine} против ${theirs}).`,
    documents: (mine, theirs) =>
      `риск для вас тот же, но сначала нужно получить больше документов (${mine} против ${theirs}).`,
    days: (mine, theirs) =>
      `риск и путь те же, но обычно это занимает дольше (около ${daysText(mine, '?')} дней против ${daysText(theirs, '?')}).`,
    steps: 'риск и путь те же, но шагов больше.',
    id: 'равны во всём; порядок между ними фиксирован и ничего не означает.',
    alreadyHere: (country) => `Вы уже находитесь здесь (${country}): правила въезда к вам не относятся.`,
    throughRussia:
      'Вы служите на фронте или на оккупированной территории Украины: чтобы попасть в эту страну, нужно ехать через Россию, где военнослужащего могут задержать и вернуть в часть. Отсюда этот путь вам не доступен.',
  },
  uk: {
    firstViable: 'Першим: доступно вам, і жоден інший доступний шлях не несе для вас меншого ризику.',
    firstViableHere:
      'Першим: доступно там, де ви вже перебуваєте, і жоден інший доступний шлях не несе для вас меншого ризику.',
    firstNotViable: 'Зараз вам не доступний жоден шлях; цей закритий шлях указано першим серед них.',
    below: (title, why) => `Нижче, ніж «${title}»: ${why}`,
    viable: 'той шлях вам доступний, а цей ні.',
    risk: (level) => `цей шлях для вас ризикованіший (ризик ${riskUk[level]}).`,
    hereProtectionFirst:
      'ризик для вас той самий, а у вашому становищі просити захисту там, де ви перебуваєте, найважливіше.',
    hereStayFirst: 'ризик для вас той самий, а законне перебування там, де ви є, іде першим.',
    hereBeforeMovingOn:
      'ризик для вас той самий, а те, що можна зробити там, де ви вже є, іде раніше, ніж їхати далі.',
    baseRisk: 'ризик для вас той самий, але сам цей шлях небезпечніший.',
    crossings: (mine, theirs) =>
      `ризик для вас той самий, але попереду більше перетинів кордону (${mine} проти ${theirs}).`,
    documents: (mine, theirs) =>
      `ризик для вас той самий, але спершу треба отримати більше документів (${mine} проти ${theirs}).`,
    days: (mine, theirs) =>
      `ризик і шлях ті самі, але зазвичай це триває довше (близько ${daysText(mine, '?')} днів проти ${daysText(theirs, '?')}).`,
    steps: 'ризик і шлях ті самі, але кроків більше.',
    id: 'рівні в усьому; порядок між ними фіксований і нічого не означає.',
    alreadyHere: (country) => `Ви вже перебуваєте тут (${country}): правила в’їзду до вас не стосуються.`,
    throughRussia:
      'Ви служите на фронті або на окупованій території України: щоб дістатися цієї країни, треба їхати через Росію, де військовослужбовця можуть затримати й повернути до частини. Звідси цей шлях вам не доступний.',
  },
};
