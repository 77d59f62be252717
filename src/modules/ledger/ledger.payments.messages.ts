import { defineMessages } from '../../platform/i18n/index.ts';

/** Texts of the page for payments out of the bank (`/staff/ledger/payments`), in en, ru and uk. */
const en = {
  'ledger.payments.link': 'Payments out',
  'ledger.payments.title': 'Payments out of the bank',
  'ledger.payments.intro':
    'What was disbursed for a case stays on its recipient account until it is paid. Record here that it left a bank account, card or wallet: tick the payments you made, check the holding and the amount, and record them together. Each is recorded or refused on its own; a repeated submission records nothing twice.',
  'ledger.payments.none': 'Nothing is waiting to be paid out.',
  'ledger.payments.col.pay': 'Paid',
  'ledger.payments.col.recipient': 'Recipient',
  'ledger.payments.col.balance': 'To pay out',
  'ledger.payments.col.holding': 'Paid from',
  'ledger.payments.col.amount': 'Amount',
  'ledger.payments.no_holding': 'No holding in this currency.',
  'ledger.payments.record': 'Record the ticked payments',
  'ledger.payments.refused': 'Some payments were not recorded:',
  'ledger.payments.recorded_one': 'recorded',
  'ledger.payments.choose': 'Tick at least one payment.',
  'ledger.flash.payments_recorded': 'The payments were recorded.',
};

export const ledgerPaymentsMessages = defineMessages({
  en,
  ru: {
    'ledger.payments.link': 'Выплаты',
    'ledger.payments.title': 'Выплаты со счетов',
    'ledger.payments.intro':
      'Выделенное на дело остаётся на счёте получателя, пока его не выплатят. Отметьте здесь, что деньги ушли с банковского счёта, карты или кошелька: поставьте галочки у сделанных выплат, проверьте счёт и сумму и запишите их вместе. Каждая выплата записывается или отклоняется отдельно; повторная отправка ничего не записывает дважды.',
    'ledger.payments.none': 'Ничего не ждёт выплаты.',
    'ledger.payments.col.pay': 'Выплачено',
    'ledger.payments.col.recipient': 'Получатель',
    'ledger.payments.col.balance': 'К выплате',
    'ledger.payments.col.holding': 'Откуда',
    'ledger.payments.col.amount': 'Сумма',
    'ledger.payments.no_holding': 'Нет счёта в этой валюте.',
    'ledger.payments.record': 'Записать отмеченные выплаты',
    'ledger.payments.refused': 'Некоторые выплаты не записаны:',
    'ledger.payments.recorded_one': 'записана',
    'ledger.payments.choose': 'Отметьте хотя бы одну выплату.',
    'ledger.flash.payments_recorded': 'Выплаты записаны.',
  },
  uk: {
    'ledger.payments.link': 'Виплати',
    'ledger.payments.title': 'Виплати з рахунків',
    'ledger.payments.intro':
      'Виділене на справу лишається на рахунку отримувача, доки його не виплатять. Позначте тут, що гроші пішли з банківського рахунку, картки чи гаманця: поставте позначки біля зроблених виплат, перевірте рахунок і суму та запишіть їх разом. Кожна виплата записується або відхиляється окремо; повторне надсилання нічого не записує двічі.',
    'ledger.payments.none': 'Ніщо не чекає на виплату.',
    'ledger.payments.col.pay': 'Виплачено',
    'ledger.payments.col.recipient': 'Отримувач',
    'ledger.payments.col.balance': 'До виплати',
    'ledger.payments.col.holding': 'Звідки',
    'ledger.payments.col.amount': 'Сума',
    'ledger.payments.no_holding': 'Немає рахунку в цій валюті.',
    'ledger.payments.record': 'Записати позначені виплати',
    'ledger.payments.refused': 'Деякі виплати не записано:',
    'ledger.payments.recorded_one': 'записано',
    'ledger.payments.choose': 'Позначте хоча б одну виплату.',
    'ledger.flash.payments_recorded': 'Виплати записано.',
  },
});
