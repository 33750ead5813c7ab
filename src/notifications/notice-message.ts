import { DEFAULT_LOCALE, isLocale, translator, type Locale } from '../i18n/index.js';
import { renderNoticeText, type NoticeReader } from './notice-text.js';

/**
 * A notice or mail keeps what its writer meant, not words in one language: catalogue keys
 * (src/i18n/locales/<language>/notices.json and mail.json) and the values they name, as its
 * `message` (the feed row's column; `payload.message` of an outbox row, sealed with a sealed
 * mail). Whoever shows it (the feed, the live push, Web Push, the mail) writes it in the
 * reader's language (users.locale) at that moment, times included (notice-text.ts): an account
 * that switches to German reads its next notice, and every mail not yet sent, in German.
 *
 * The feed row's and the outbox row's own title and body columns keep the English words,
 * written when the notice is, for whatever reads the columns directly (older tools, tests,
 * a notice written before messages): `englishWords`.
 */

/** A catalogue key with its values, or someone's own words kept as they wrote them (an organizer's note). */
export type Phrase = { key: string; values?: Record<string, unknown> } | { text: string };

export interface NoticeMessage {
  title: Phrase;
  /** Paragraphs, a blank line apart; a paragraph of several phrases (whole sentences each) joins them with a space. */
  body: readonly (Phrase | readonly Phrase[])[];
  /** A fixed language, for a mail to an address with no account: the language of the request that caused it. */
  locale?: Locale;
}

/**
 * A phrase from the catalogues: `say('notices:waitlistOffer.title', { event })`. Written with
 * the key as a literal, so test/unit/catalogues.test.ts checks that every language has it.
 */
export const say = (key: string, values?: Record<string, unknown>): Phrase => (values ? { key, values } : { key });

/**
 * An amount of money as a message value, written for the reader's language when the message
 * is: "€45.00", "45,00 €". Kept as minor units and currency, never as words.
 */
export const money = (cents: number, currency: string): MoneyValue => ({ $amount: cents, currency });
export interface MoneyValue {
  $amount: number;
  currency: string;
}
const isMoney = (value: unknown): value is MoneyValue =>
  typeof value === 'object' && value !== null && typeof (value as MoneyValue).$amount === 'number';

/** The values in a language: amounts as money (numbers are formatted by the message, `{{count, number}}`). */
function valuesIn(values: Record<string, unknown> | undefined, locale: Locale): Record<string, unknown> | undefined {
  if (!values) return values;
  return Object.fromEntries(
    Object.entries(values).map(([name, value]) => [
      name,
      isMoney(value)
        ? new Intl.NumberFormat(locale, { style: 'currency', currency: value.currency }).format(value.$amount / 100)
        : value,
    ]),
  );
}

/** Words no catalogue has (an organizer's note, a cancellation reason on its own): shown as written. */
export const verbatim = (text: string): Phrase => ({ text });

/** A kept message, or null for a notice written before messages. */
export function messageOf(value: unknown): NoticeMessage | null {
  const message = value as NoticeMessage | null | undefined;
  return message && typeof message === 'object' && message.title && Array.isArray(message.body) ? message : null;
}

/** The message's words in a language, times still placeholders (`{{time:path}}`) for renderNoticeText. */
export function messageWords(message: NoticeMessage, locale: Locale): { title: string; body: string } {
  const language = message.locale && isLocale(message.locale) ? message.locale : locale;
  const t = translator(language);
  const phrase = (p: Phrase) => ('text' in p ? p.text : t(p.key, valuesIn(p.values, language)));
  const paragraph = (p: Phrase | readonly Phrase[]) =>
    Array.isArray(p) ? p.map(phrase).join(' ') : phrase(p as Phrase);
  return { title: phrase(message.title), body: message.body.map(paragraph).join('\n\n') };
}

/** The English words, for the title and body columns: what a reader without a message shows. */
export const englishWords = (message: NoticeMessage): { title: string; body: string } =>
  messageWords(message, DEFAULT_LOCALE);

/**
 * A stored notice or mail as its reader reads it: the message (when it has one) in the reader's
 * language, else the stored words; times in words for the app or the mail, in that language.
 */
export function renderNotice(
  stored: { title: string; body: string; data: Record<string, unknown>; message: unknown },
  reader: NoticeReader,
  locale: Locale,
  now: Date = new Date(),
): { title: string; body: string } {
  const message = messageOf(stored.message);
  const language = message?.locale && isLocale(message.locale) ? message.locale : locale;
  const words = message ? messageWords(message, language) : stored;
  return {
    title: renderNoticeText(words.title, stored.data, reader, now, language),
    body: renderNoticeText(words.body, stored.data, reader, now, language),
  };
}
