import { defineMessages } from '../../platform/i18n/index.ts';

/** Texts of the links to units and commanders and of the list across cases (ADR 0199), in en, ru and uk. */
const en = {
  'evidence.links.title': 'Units and commanders named in this item',
  'evidence.links.intro':
    'Link the item to each unit and commander it names, so that the items about them can be found across cases. Names are encrypted. Write a unit as it is usually written (its number or name) and a commander by full name; spelling is compared without case or punctuation.',
  'evidence.links.none': 'No unit or commander is linked yet.',
  'evidence.links.kind': 'Kind',
  'evidence.links.kind.unit': 'unit',
  'evidence.links.kind.commander': 'commander',
  'evidence.links.name': 'Name',
  'evidence.links.add': 'Link',
  'evidence.links.remove': 'Remove the link',
  'evidence.links.others': 'Items about them across cases',
  'evidence.links.error.name': 'Write the name: letters or digits, at most 200 characters.',
  'evidence.units.link': 'Units and commanders across cases',
  'evidence.units.title': 'Units and commanders across cases',
  'evidence.units.intro':
    'The evidence items that name one unit or commander, in the cases you may open. Other spellings, languages and transliterations are not matched: try them too.',
  'evidence.units.search': 'Find',
  'evidence.units.result': 'Items you may open that name “{name}” ({kind}): {count}, in {cases} cases.',
  'evidence.units.empty': 'No item you may open names it.',
  'evidence.units.col.case': 'Case',
  'evidence.units.col.item': 'Item',
  'evidence.units.col.channel': 'Channel',
  'evidence.units.col.received': 'Received',
  'evidence.units.col.written': 'Written as',
};

export type LinkMessageKey = keyof typeof en;

export const linkMessages = defineMessages({
  en,
  ru: {
    'evidence.links.title': 'Части и командиры, названные в материале',
    'evidence.links.intro':
      'Свяжите материал с каждой воинской частью и каждым командиром, которых он называет, чтобы материалы о них можно было найти по всем делам. Названия и имена шифруются. Часть пишите так, как её обычно называют (номер или название), командира — полным именем; регистр и знаки препинания не учитываются.',
    'evidence.links.none': 'Пока не связано ни одной части и ни одного командира.',
    'evidence.links.kind': 'Что это',
    'evidence.links.kind.unit': 'часть',
    'evidence.links.kind.commander': 'командир',
    'evidence.links.name': 'Название или имя',
    'evidence.links.add': 'Связать',
    'evidence.links.remove': 'Удалить связь',
    'evidence.links.others': 'Материалы о них по всем делам',
    'evidence.links.error.name': 'Напишите название или имя: буквы или цифры, не более 200 знаков.',
    'evidence.units.link': 'Части и командиры по всем делам',
    'evidence.units.title': 'Части и командиры по всем делам',
    'evidence.units.intro':
      'Материалы, в которых названа одна часть или один командир, в делах, которые вам можно открыть. Другие написания, языки и транслитерации не сопоставляются: проверьте и их.',
    'evidence.units.search': 'Найти',
    'evidence.units.result':
      'Доступные вам материалы, в которых названо «{name}» ({kind}): {count}, дел: {cases}.',
    'evidence.units.empty': 'Ни один доступный вам материал этого не называет.',
    'evidence.units.col.case': 'Дело',
    'evidence.units.col.item': 'Материал',
    'evidence.units.col.channel': 'Канал',
    'evidence.units.col.received': 'Получен',
    'evidence.units.col.written': 'Как записано',
  },
  uk: {
    'evidence.links.title': 'Частини й командири, названі в матеріалі',
    'evidence.links.intro':
      'Пов’яжіть матеріал з кожною військовою частиною та кожним командиром, яких він називає, щоб матеріали про них можна було знайти в усіх справах. Назви та імена шифруються. Частину пишіть так, як її зазвичай називають (номер або назва), командира — повним ім’ям; регістр і розділові знаки не враховуються.',
    'evidence.links.none': 'Поки не пов’язано жодної частини й жодного командира.',
    'evidence.links.kind': 'Що це',
    'evidence.links.kind.unit': 'частина',
    'evidence.links.kind.commander': 'командир',
    'evidence.links.name': 'Назва або ім’я',
    'evidence.links.add': 'Пов’язати',
    'evidence.links.remove': 'Видалити зв’язок',
    'evidence.links.others': 'Матеріали про них в усіх справах',
    'evidence.links.error.name': 'Напишіть назву або ім’я: літери чи цифри, не більше 200 знаків.',
    'evidence.units.link': 'Частини й командири в усіх справах',
    'evidence.units.title': 'Частини й командири в усіх справах',
    'evidence.units.intro':
      'Матеріали, у яких названо одну частину або одного командира, у справах, які вам можна відкрити. Інші написання, мови й транслітерації не зіставляються: перевірте й їх.',
    'evidence.units.search': 'Знайти',
    'evidence.units.result':
      'Доступні вам матеріали, у яких названо «{name}» ({kind}): {count}, справ: {cases}.',
    'evidence.units.empty': 'Жоден доступний вам матеріал цього не називає.',
    'evidence.units.col.case': 'Справа',
    'evidence.units.col.item': 'Матеріал',
    'evidence.units.col.channel': 'Канал',
    'evidence.units.col.received': 'Отримано',
    'evidence.units.col.written': 'Як записано',
  },
});
