/**
 * Seeded, reproducible synthetic person records for tests and the benchmark. Invented people
 * only. Each person (entity) gets one or more records, each written the way a real record might
 * be: in Cyrillic or in one of the transliteration systems, with diminutives, typos, missing
 * fields, date errors and varied phone formats. Common names are common (Zipf-like draws), and
 * some families share a phone and a surname, so that true non-matches look alike.
 */
import { NAME_GROUPS, type NameGroup } from './diminutives.ts';
import { seededRandom } from './fellegi-sunter.ts';
import type { PersonRecord } from './record-store.ts';
import { romanize, TRANSLIT_SYSTEMS, type TranslitSystem } from './transliterate.ts';

const RU_SURNAMES = `Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов Волков
Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров Никитин Захаров Зайцев
Соловьёв Борисов Яковлев Григорьев Романов Воробьёв Сергеев Кузьмин Фролов Александров Дмитриев Королёв Гусев
Киселёв Ильин Максимов Поляков Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов Жуков Баранов Филиппов
Комаров Давыдов Беляев Герасимов Богданов Осипов Сидоров Матвеев Титов Марков Миронов Крылов Куликов Карпов
Власов Мельников Денисов Гаврилов Тихонов Казаков Афанасьев Данилов Савельев Тимофеев Фомин Чернов Абрамов
Мартынов Ефимов Федотов Щербаков Назаров Калинин Исаев Чернышёв Быков Маслов Родионов Коновалов Лазарев
Воронин Климов Филатов Пономарёв Голубев Кудрявцев Прохоров Наумов Потапов Журавлёв Овчинников Трофимов
Леонов Соболев Ермаков Колесников Гончаров Емельянов Никифоров Грачёв Котов Гришин Ефремов Архипов Громов
Кириллов Малышев Панов Моисеев Румянцев Акимов Кондратьев Бирюков Горбунов Анисимов Ерёмин Тихомиров Галкин
Лукьянов Михеев Скворцов Юдин Белоусов Нестеров Симонов Прокофьев Харитонов Князев Цветков Левин Митрофанов
Воронцов Аксёнов Софронов Мальцев Логинов Горшков Савин Краснов Майоров Демидов Елисеев Рыбаков Сафонов
Филатьев Подъячев Хрущёв Достоевский Ковальский Вишневский Жданов Царёв Шубин Щукин Хохлов Юсупов Ярцев
Чайковский Рожков Шестаков Зуев Цыганов Ершов Щеглов Лихачёв Бойцов Святцев Хабаров Чижов Шилов Ющенко`;

const UA_SURNAMES = `Шевченко Коваленко Бондаренко Ткаченко Кравченко Олійник Шевчук Коваль Поліщук Бондар Ткачук Мельник
Марченко Лисенко Руденко Савченко Петренко Мороз Кравчук Павленко Клименко Левченко Харченко Карпенко Іваненко
Гончаренко Федоренко Литвиненко Сидоренко Павлюк Мельничук Зінченко Остапенко Гаврилюк Костенко Тимошенко
Дяченко Кузьменко Приходько Василенко Семенюк Юрченко Гордієнко Ярошенко Романюк Григоренко Козак Панченко
Дорошенко Нестеренко Андрієнко Степаненко Ковальчук Гуменюк Кушнір Лук'яненко Довженко Білик Щербак`;

const RU_PLACES = `Москва Санкт-Петербург Новосибирск Екатеринбург Казань Нижний-Новгород Челябинск Самара Омск Ростов-на-Дону
Уфа Красноярск Воронеж Пермь Волгоград Краснодар Саратов Тюмень Ижевск Барнаул Ульяновск Иркутск Хабаровск
Ярославль Владивосток Махачкала Томск Оренбург Кемерово Рязань Астрахань Пенза Липецк Тула Киров Чебоксары
Калининград Брянск Курск Иваново Магнитогорск Тверь Ставрополь Белгород Архангельск Владимир Сочи Чита Смоленск`;

const UA_PLACES = `Київ Харків Одеса Дніпро Донецьк Запоріжжя Львів Кривий-Ріг Миколаїв Маріуполь Луганськ Вінниця Херсон
Полтава Чернігів Черкаси Житомир Суми Хмельницький Чернівці Рівне Івано-Франківськ Кропивницький Тернопіль Луцьк`;

const words = (s: string): string[] => s.split(/\s+/).filter(Boolean);
const RU_SURNAME_LIST = words(RU_SURNAMES);
const UA_SURNAME_LIST = words(UA_SURNAMES);
const RU_PLACE_LIST = words(RU_PLACES);
const UA_PLACE_LIST = words(UA_PLACES);

/**
 * A long tail of invented but plausible surnames (syllables + a Russian or Ukrainian suffix), so
 * that a million records do not all share two hundred surnames. Fixed seed: always the same list.
 */
function syntheticSurnames(count: number): string[] {
  const rnd = seededRandom(20260101);
  const onsets = words(`Б В Г Д Ж З К Л М Н П Р С Т Х Ц Ч Ш Щ Бр Гр Кр Пр Тр Ст Сл Зв Дв Шв Чер Бел Сол Гол
    Кол Вол Мал Мор Бор Гор Лоп Куд Руд Сав Мир Жур Шиш Чуб Пуш Дуб Граб`);
  const vowels = words('а о е и у ы я ё ю а о е');
  const codas = words('б в г д к л м н р с т х ч ш ль нь рь ст рк нк');
  const suffixes = words('ов ев ин ский енко ук чук ак ых ой ан ец цов нов ников кин');
  const seen = new Set<string>();
  const out: string[] = [];
  const pick = (l: string[]) => l[Math.floor(rnd() * l.length)]!;
  while (out.length < count) {
    let stem = pick(onsets) + pick(vowels) + pick(codas);
    if (rnd() < 0.5) stem += pick(vowels) + pick(codas);
    let suffix = pick(suffixes);
    if (/[ыяёюй]$/.test(stem)) continue;
    if (/ь$/.test(stem) && /^[ое]/.test(suffix)) suffix = `е${suffix.slice(1)}`;
    const name = stem + suffix;
    if (seen.has(name)) continue;
    seen.add(name);
    out.push(name);
  }
  return out;
}

const SYNTHETIC_SURNAMES = syntheticSurnames(30_000);

// Father's names with their patronymics (male, female); only regular, frequent ones.
const FATHERS: readonly (readonly [string, string, string])[] = [
  ['Александр', 'Александрович', 'Александровна'],
  ['Алексей', 'Алексеевич', 'Алексеевна'],
  ['Андрей', 'Андреевич', 'Андреевна'],
  ['Анатолий', 'Анатольевич', 'Анатольевна'],
  ['Борис', 'Борисович', 'Борисовна'],
  ['Валерий', 'Валерьевич', 'Валерьевна'],
  ['Василий', 'Васильевич', 'Васильевна'],
  ['Виктор', 'Викторович', 'Викторовна'],
  ['Владимир', 'Владимирович', 'Владимировна'],
  ['Геннадий', 'Геннадьевич', 'Геннадьевна'],
  ['Григорий', 'Григорьевич', 'Григорьевна'],
  ['Дмитрий', 'Дмитриевич', 'Дмитриевна'],
  ['Евгений', 'Евгеньевич', 'Евгеньевна'],
  ['Иван', 'Иванович', 'Ивановна'],
  ['Игорь', 'Игоревич', 'Игоревна'],
  ['Константин', 'Константинович', 'Константиновна'],
  ['Леонид', 'Леонидович', 'Леонидовна'],
  ['Михаил', 'Михайлович', 'Михайловна'],
  ['Николай', 'Николаевич', 'Николаевна'],
  ['Олег', 'Олегович', 'Олеговна'],
  ['Павел', 'Павлович', 'Павловна'],
  ['Пётр', 'Петрович', 'Петровна'],
  ['Сергей', 'Сергеевич', 'Сергеевна'],
  ['Юрий', 'Юрьевич', 'Юрьевна'],
  ['Фёдор', 'Фёдорович', 'Фёдоровна'],
  ['Тарас', 'Тарасович', 'Тарасовна'],
  ['Богдан', 'Богданович', 'Богдановна'],
];

/** Feminine form of a masculine Russian surname (Ukrainian -енко, -ук, ... do not change). */
export function feminineSurname(s: string): string {
  if (/(ов|ев|ёв|ин|ын)$/.test(s)) return `${s}а`;
  if (/(ский|цкий)$/.test(s)) return `${s.slice(0, -2)}ая`;
  if (/(ой|ый)$/.test(s)) return `${s.slice(0, -2)}ая`;
  return s;
}

/** A generated record and the person it belongs to. */
export interface GeneratedRecord {
  readonly record: PersonRecord;
  readonly entity: number;
  /**
   * With `annotate`: the variations this record was written with ("latin:icao", "diminutive",
   * "typo:family", "date:swap", ...), for error analysis. The draws are the same either way.
   */
  readonly variations?: readonly string[];
}

export interface GeneratorOptions {
  /** Number of records (default 1000). */
  records?: number;
  seed?: number;
  /** Average records per person (default 1.8). */
  duplication?: number;
  /** Scale of errors per record, 0 = clean copies, 1 = default noise. */
  noise?: number;
  /** Record which variations each record was written with (see GeneratedRecord.variations). */
  annotate?: boolean;
}

interface Entity {
  gender: 'm' | 'f';
  group: NameGroup;
  ukrainian: boolean;
  family: string;
  /** Masculine surname, shared with relatives. */
  stem: string;
  patronymic: string;
  year: number;
  month: number;
  day: number;
  phoneDigits: string;
  place: string;
}

const SYSTEM_WEIGHTS: readonly (readonly [TranslitSystem, number])[] = [
  ['icao', 20],
  ['fms2010', 8],
  ['mvd1997', 8],
  ['bgn', 8],
  ['gost779b', 4],
  ['alalc', 4],
  ['german', 6],
  ['french', 5],
  ['informal', 25],
  ['ua2010', 12],
];

/** Generates records; the same options always give the same records. */
export function generateRecords(options: GeneratorOptions = {}): GeneratedRecord[] {
  const total = options.records ?? 1000;
  const rnd = seededRandom(options.seed ?? 42);
  const noise = options.noise ?? 1;
  const duplication = options.duplication ?? 1.8;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
  // Zipf-like: index ~ floor(n * u^2) favours the head of a list.
  const zipf = <T>(list: readonly T[]): T => list[Math.floor(list.length * rnd() ** 2.2)]!;
  const zipfSurname = <T>(list: readonly T[]): T => list[Math.floor(list.length * rnd() ** 1.6)]!;
  const chance = (p: number) => rnd() < p * noise;
  const maleGroups = NAME_GROUPS.filter((g) => g.gender === 'm');
  const femaleGroups = NAME_GROUPS.filter((g) => g.gender === 'f');
  const systemTotal = SYSTEM_WEIGHTS.reduce((s, [, w]) => s + w, 0);
  const pickSystem = (): TranslitSystem => {
    let x = rnd() * systemTotal;
    for (const [s, w] of SYSTEM_WEIGHTS) {
      x -= w;
      if (x < 0) return s;
    }
    return TRANSLIT_SYSTEMS[0]!;
  };
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(rnd() * 10)).join('');

  const newEntity = (base?: Entity): Entity => {
    const gender = rnd() < 0.72 ? 'm' : 'f';
    const ukrainian = base?.ukrainian ?? rnd() < 0.25;
    const group = zipf(gender === 'm' ? maleGroups : femaleGroups);
    let family =
      base?.stem ??
      (rnd() < 0.6
        ? pick(SYNTHETIC_SURNAMES)
        : ukrainian && rnd() < 0.7
          ? zipfSurname(UA_SURNAME_LIST)
          : zipfSurname(RU_SURNAME_LIST));
    if (base === undefined && rnd() < 0.02) family = `${family}-${pick(RU_SURNAME_LIST)}`;
    const masculineFamily = family;
    const father = pick(FATHERS);
    return {
      gender,
      group,
      ukrainian,
      family: gender === 'f' ? masculineFamily.split('-').map(feminineSurname).join('-') : masculineFamily,
      stem: masculineFamily,
      patronymic: gender === 'm' ? father[1] : father[2],
      year: 1960 + Math.floor(rnd() * 46),
      month: 1 + Math.floor(rnd() * 12),
      day: 1 + Math.floor(rnd() * 28),
      phoneDigits:
        base?.phoneDigits ??
        (ukrainian ? `380${pick(['50', '67', '93', '97'])}${digits(7)}` : `79${digits(9)}`),
      place: base?.place ?? (ukrainian ? pick(UA_PLACE_LIST) : pick(RU_PLACE_LIST)),
    };
  };

  const typo = (s: string): string => {
    if (s.length < 3) return s;
    const chars = [...s];
    const p = 1 + Math.floor(rnd() * (chars.length - 1));
    const kind = rnd();
    const alphabet = /[\u0400-\u04ff]/.test(s) ? 'аеиоуклмнпрст' : 'aeioulmnprstk';
    if (kind < 0.3) chars.splice(p, 1);
    else if (kind < 0.55) chars.splice(p, 0, alphabet[Math.floor(rnd() * alphabet.length)]!);
    else if (kind < 0.8) chars[p] = alphabet[Math.floor(rnd() * alphabet.length)]!;
    else if (p + 1 < chars.length) {
      const t = chars[p]!;
      chars[p] = chars[p + 1]!;
      chars[p + 1] = t;
    }
    return chars.join('');
  };

  const formatPhone = (d: string): string => {
    if (d.startsWith('380')) {
      const f = rnd();
      if (f < 0.5) return `+${d}`;
      if (f < 0.8) return `+380 ${d.slice(3, 5)} ${d.slice(5, 8)} ${d.slice(8, 10)} ${d.slice(10)}`;
      return `0${d.slice(3)}`;
    }
    const n = d.slice(1);
    const f = rnd();
    if (f < 0.3) return `+7 ${n.slice(0, 3)} ${n.slice(3, 6)}-${n.slice(6, 8)}-${n.slice(8)}`;
    if (f < 0.5) return `8 (${n.slice(0, 3)}) ${n.slice(3, 6)}-${n.slice(6, 8)}-${n.slice(8)}`;
    if (f < 0.7) return `8${n}`;
    if (f < 0.9) return `+7${n}`;
    return `${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6, 8)} ${n.slice(8)}`;
  };

  const formatDate = (e: Entity, tags: string[]): string | undefined => {
    let { year, month, day } = e;
    if (chance(0.04)) {
      tags.push('date:missing');
      return undefined;
    }
    if (chance(0.05) && day <= 12) {
      if (day !== month) tags.push('date:swap');
      [month, day] = [day, month];
    }
    if (chance(0.03)) {
      tags.push('date:year');
      year += rnd() < 0.5 ? -1 : 1;
    }
    if (chance(0.02)) {
      const before = day;
      day = Math.min(28, (day % 10) + 10 * Math.floor(rnd() * 3) || 1);
      if (day !== before) tags.push('date:day');
    }
    const mm = String(month).padStart(2, '0');
    const dd = String(day).padStart(2, '0');
    const r = rnd();
    if (r < 0.05 * noise) {
      tags.push('date:year-only');
      return String(year);
    }
    if (r < 0.1 * noise) {
      tags.push('date:month-only');
      return `${year}-${mm}`;
    }
    if (r < 0.4) return `${dd}.${mm}.${year}`;
    return `${year}-${mm}-${dd}`;
  };

  const writeRecord = (e: Entity, id: string, tags: string[]): PersonRecord => {
    const latin = rnd() < 0.55;
    const system = latin ? (e.ukrainian && rnd() < 0.5 ? 'ua2010' : pickSystem()) : undefined;
    tags.push(system === undefined ? 'cyrillic' : `latin:${system}`);
    let given = e.group.fullForms[e.ukrainian && e.group.fullForms.length > 1 && rnd() < 0.6 ? 1 : 0]!;
    if (chance(0.18) && e.group.diminutives.length > 0) {
      given = pick(e.group.diminutives);
      tags.push('diminutive');
    }
    const spell = (s: string) => (system === undefined ? s : romanize(s, system));
    let givenName: string | undefined = spell(given);
    let familyName: string | undefined = spell(e.family);
    let patronymic: string | undefined = spell(e.patronymic);
    if (chance(0.08)) {
      givenName = typo(givenName);
      tags.push('typo:given');
    }
    if (chance(0.1)) {
      familyName = typo(familyName);
      tags.push('typo:family');
    }
    if (chance(0.05)) {
      patronymic = typo(patronymic);
      tags.push('typo:patronymic');
    }
    if (rnd() < 0.4) patronymic = undefined;
    if (rnd() < 0.5 && /[\u0400-\u04ff]/.test(familyName) === false && rnd() < 0.3)
      familyName = familyName.toUpperCase();
    const record: PersonRecord = { id };
    if (chance(0.03)) {
      [givenName, familyName] = [familyName, givenName];
      tags.push('names-swapped');
    }
    if (chance(0.04)) {
      record.fullName = [familyName, givenName, patronymic].filter(Boolean).join(' ');
      tags.push('full-name');
    } else {
      if (!chance(0.01)) record.givenName = givenName;
      else tags.push('given:missing');
      if (!chance(0.01)) record.familyName = familyName;
      else tags.push('family:missing');
      if (patronymic !== undefined) record.patronymic = patronymic;
    }
    const birthDate = formatDate(e, tags);
    if (birthDate !== undefined) record.birthDate = birthDate;
    if (rnd() < 0.65) record.phone = formatPhone(e.phoneDigits);
    if (rnd() < 0.5) record.birthPlace = latin && system !== undefined ? romanize(e.place, system) : e.place;
    return record;
  };

  const out: { record: PersonRecord; entity: number; variations: string[] | undefined }[] = [];
  const entities: Entity[] = [];
  const annotate = options.annotate === true;
  while (out.length < total) {
    // A relative: same surname, phone and place, another person (a hard non-match).
    const base = entities.length > 0 && rnd() < 0.04 ? entities[entities.length - 1] : undefined;
    const e = newEntity(base);
    const entity = entities.length;
    entities.push(e);
    // Records per person: geometric with the requested mean.
    let copies = 1;
    while (rnd() < 1 - 1 / duplication && copies < 8) copies++;
    for (let c = 0; c < copies && out.length < total; c++) {
      const tags: string[] = [];
      if (base !== undefined && c === 0) tags.push('relative');
      out.push({ record: writeRecord(e, '', tags), entity, variations: annotate ? tags : undefined });
    }
  }
  // Shuffle, then number the records in their final order.
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out.map((g, i) =>
    g.variations === undefined
      ? { record: { ...g.record, id: `r${i + 1}` }, entity: g.entity }
      : { record: { ...g.record, id: `r${i + 1}` }, entity: g.entity, variations: g.variations },
  );
}

/** Pairwise precision, recall and F1 of a clustering against the true entities. */
export function pairwiseScores(
  clusterOf: ArrayLike<number>,
  entityOf: ArrayLike<number>,
): { precision: number; recall: number; f1: number; truePairs: number; predictedPairs: number } {
  const pairs = (m: Map<number, number>) => {
    let s = 0;
    for (const c of m.values()) s += (c * (c - 1)) / 2;
    return s;
  };
  const byCluster = new Map<number, number>();
  const byEntity = new Map<number, number>();
  const both = new Map<number, number>();
  for (let i = 0; i < clusterOf.length; i++) {
    const c = clusterOf[i]!;
    const e = entityOf[i]!;
    byCluster.set(c, (byCluster.get(c) ?? 0) + 1);
    byEntity.set(e, (byEntity.get(e) ?? 0) + 1);
    const k = c * 4_294_967_296 + e;
    both.set(k, (both.get(k) ?? 0) + 1);
  }
  const tp = pairs(both);
  const predictedPairs = pairs(byCluster);
  const truePairs = pairs(byEntity);
  const precision = predictedPairs === 0 ? 1 : tp / predictedPairs;
  const recall = truePairs === 0 ? 1 : tp / truePairs;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, truePairs, predictedPairs };
}
