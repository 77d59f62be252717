import { describe, expect, it } from 'vitest';
import { jaroWinkler } from './similarity.ts';
import { matchKey, phoneticKey, romanize } from './transliterate.ts';

// Real-world spellings of Russian and Ukrainian names, written by hand from the published
// tables of each system (ICAO 9303, FMS 2010, MVD 1997, BGN/PCGN, GOST 7.79 B, ALA-LC),
// German and French practice, and informal and Ukrainian (KMU 2010) usage.
const SPELLINGS = `
Павел: Pavel, Pawel, Pavl
Филатьев: Filatev, Filatyev, Filat'yev, Filatiev, Filatjew, Filat\`ev, Filatʹev
Александр: Aleksandr, Alexandr, Alexander, Aleksander, Oleksandr
Щербаков: Shcherbakov, Shherbakov, Schtscherbakow, Chtcherbakov, Ščerbakov
Юлия: Iuliia, Yuliya, Yulia, Julija, Julia, Ioulia, Yulija
Царёва: Tsareva, Tcareva, Tsaryova, Tsarëva, Zarjowa, Tsariova
Дмитрий: Dmitrii, Dmitriy, Dmitry, Dmitrij, Dmitri, Dmitriĭ
Хрущёв: Khrushchev, Khrushchyov, Khrushchëv, Xrushhyov, Khrouchtchev, Chruschtschow
Евгений: Evgenii, Evgeniy, Yevgeniy, Yevgeny, Jewgeni, Evgeni, Evgenij
Достоевский: Dostoevskii, Dostoevsky, Dostoyevskiy, Dostoyevsky, Dostojewski, Dostoevskij, Dostoïevski
Наталья: Natalia, Natalya, Natal'ya, Natalja, Natal\`ya, Natalʹia
Ильюшина: Iliushina, Ilyushina, Il'yushina, Iljuschina, Ilioushina
Фёдор: Fedor, Fyodor, Fëdor, Fjodor, Fiodor, Feodor
Сергей: Sergei, Sergey, Sergej, Sergeï, Serhii, Sergeĭ
Жуков: Zhukov, Joukov, Schukow, Žukov
Андрей: Andrei, Andrey, Andrej, Andreï, Andrii, Andreĭ
Цветков: Tsvetkov, Tcvetkov, Cvetkov, Zwetkow, Tsvetkoff
Максим: Maksim, Maxim, Maksym, Maxime
Михаил: Mikhail, Mihail, Michail, Mikhaïl, Mykhailo, Mixail
Юрий: Iurii, Yuriy, Yuri, Yury, Jurij, Iouri, Yurii
Ксения: Kseniia, Kseniya, Ksenia, Xenia, Ksenija, Kcenia
Алексей: Aleksei, Alexei, Alexey, Aleksey, Aleksej, Alekseï
Николай: Nikolai, Nikolay, Nikolaj, Nicolai, Nikolaï
Людмила: Liudmila, Lyudmila, Ljudmila, Ludmila, Lioudmila, Liudmyla
Татьяна: Tatiana, Tatyana, Tat'yana, Tatjana, Tatiana, Tetiana
Ольга: Olga, Ol'ga, Olha, Olʹga, Olgha
Григорий: Grigorii, Grigoriy, Grigory, Grigorij, Hryhorii
Кузнецов: Kuznetsov, Kuznetcov, Kuznecov, Kusnezow, Kouznetsov, Kuznetsoff
Воробьёв: Vorobev, Vorobyov, Vorob'yev, Vorobjow, Vorobiov, Vorobyev
Соловьёв: Solovev, Solovyov, Solov'yev, Solowjow, Soloviov, Solovyev
Зайцев: Zaitsev, Zaytsev, Zajcev, Saizew, Zaïtsev, Zaitcev
Чернышёв: Chernyshev, Chernyshyov, Tschernyschow, Tchernychev, Černyšëv
Шевченко: Shevchenko, Schewtschenko, Chevtchenko, Ševčenko, Shevchenco
Коваленко: Kovalenko, Kowalenko, Kovalenco, Kovalenko
Ткаченко: Tkachenko, Tkatschenko, Tkatchenko, Tkačenko
Олійник: Oliinyk, Oliynyk, Olijnyk, Oleynik, Oliinik
Мельник: Melnyk, Mel'nik, Melnik, Melnick, Mielnik
Ярослав: Iaroslav, Yaroslav, Jaroslav, Jaroslaw, Iaroslav
Вячеслав: Viacheslav, Vyacheslav, Vjačeslav, Wjatscheslaw, Viatcheslav, Vyacheslaw
Екатерина: Ekaterina, Yekaterina, Jekaterina, Katerina, Ekaterina
Елена: Elena, Yelena, Jelena, Helena, Olena
Анастасия: Anastasiia, Anastasiya, Anastasia, Anastasija, Anastassia
Владимир: Vladimir, Wladimir, Volodymyr, Vladimyr
Константин: Konstantin, Constantin, Konstantyn, Kostiantyn, Konstanteen
Пётр: Petr, Pyotr, Piotr, Pjotr, Petro, Pëtr
Семён: Semen, Semyon, Semion, Semjon, Semën
Илья: Ilia, Ilya, Il'ya, Ilja, Ilija, Illia
Игорь: Igor, Igor', Ihor, Igorʹ, Ygor
Виктория: Viktoriia, Viktoriya, Victoria, Viktorija, Wiktoria
Валерий: Valerii, Valeriy, Valery, Walerij, Valeri, Valeriĭ
Тимофей: Timofei, Timofey, Timofej, Tymofii, Timofeï
Хабаров: Khabarov, Habarov, Chabarow, Xabarov, Khabarof
Подъячев: Podiachev, Podyachev, Pod"yachev, Podjatschew, Podiatchev
Ковальский: Kovalskii, Kovalsky, Kovalskiy, Kowalski, Koval'skiy, Kovalski
Вишневская: Vishnevskaia, Vishnevskaya, Wischnewskaja, Vichnevskaïa, Višnevskaja
Журавлёв: Zhuravlev, Zhuravlyov, Zhuravlëv, Shurawljow, Jouravlev
Щукин: Shchukin, Shhukin, Schtschukin, Chtchoukine, Ščukin
Юсупов: Iusupov, Yusupov, Jussupow, Ioussoupov, Jusupov
Ершов: Ershov, Yershov, Jerschow, Erchov, Eršov
`;

const rows = SPELLINGS.trim()
  .split('\n')
  .map((line) => {
    const [cyr = '', rest = ''] = line.split(':');
    return { cyr: cyr.trim(), spellings: rest.split(',').map((s) => s.trim()) };
  });
const pairs = rows.flatMap((r) => r.spellings.map((s) => [r.cyr, s] as const));

describe('matching keys across transliteration systems', () => {
  it('covers at least 300 name pairs', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(300);
  });

  it.each(pairs)('%s ~ %s', (cyr, latin) => {
    // Every spelling must land at or very near the Cyrillic key.
    expect(jaroWinkler(matchKey(cyr), matchKey(latin))).toBeGreaterThanOrEqual(0.85);
  });

  it('maps most spellings to exactly the same key', () => {
    const exact = pairs.filter(([c, l]) => matchKey(c) === matchKey(l)).length;
    expect(exact / pairs.length).toBeGreaterThan(0.75);
  });

  it('does not merge different names', () => {
    expect(matchKey('Иванов')).not.toBe(matchKey('Ivanova'));
    expect(matchKey('Павел')).not.toBe(matchKey('Pyotr'));
    expect(jaroWinkler(matchKey('Смирнов'), matchKey('Kuznetsov'))).toBeLessThan(0.7);
  });

  it('gives the same phonetic key to the ICAO and German spellings of a surname', () => {
    expect(phoneticKey(matchKey('Filatiev'))).toBe(phoneticKey(matchKey('Filatjew')));
    expect(phoneticKey(matchKey('Щербаков'))).toBe(phoneticKey(matchKey('Schtscherbakow')));
  });
});

describe('romanize', () => {
  it.each([
    ['Щербаков', 'icao', 'Shcherbakov'],
    ['Щербаков', 'gost779b', 'Shherbakov'],
    ['Щербаков', 'german', 'Schtscherbakow'],
    ['Щербаков', 'french', 'Chtcherbakov'],
    ['Цветков', 'fms2010', 'Tcvetkov'],
    ['Цветков', 'icao', 'Tsvetkov'],
    ['Цветков', 'gost779b', 'Cvetkov'],
    ['Юлия', 'icao', 'Iuliia'],
    ['Юлия', 'mvd1997', 'Yuliya'],
    ['Филатьев', 'bgn', "Filat'yev"],
    ['Подъячев', 'icao', 'Podieiachev'],
    ['Хрущёв', 'gost779b', 'Xrushhyov'],
    ['Дмитрий', 'informal', 'Dmitry'],
    ['Дмитрий', 'alalc', 'Dmitriĭ'],
    ['Григорій', 'ua2010', 'Hryhorii'],
    ['Евгений', 'bgn', 'Yevgeniy'],
    ['Жуков', 'french', 'Joukov'],
    ['Максим', 'informal', 'Maxim'],
  ] as const)('%s in %s is %s', (cyr, system, expected) => {
    expect(romanize(cyr, system)).toBe(expected);
  });
});
