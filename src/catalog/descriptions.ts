import type { Locale } from '../i18n/locales.js';

/**
 * An event's description in each language: English in `events.description` (always there, the
 * fallback), the others in `events.descriptions` as the organizer wrote them. A language without
 * its own text is answered in English, and the answer says which language it is in.
 */

/** The languages an organizer may write a description in beside English. */
export const TRANSLATED_LOCALES = ['de', 'es'] as const satisfies readonly Exclude<Locale, 'en'>[];
export type TranslatedLocale = (typeof TRANSLATED_LOCALES)[number];

/** `events.descriptions`: only the languages that have a text. */
export type EventDescriptions = Partial<Record<TranslatedLocale, string>>;

/** The description a reader of `locale` gets: theirs when the organizer wrote it, else English. */
export function descriptionIn(
  locale: Locale,
  english: string,
  descriptions: EventDescriptions | null,
): { description: string; descriptionLanguage: Locale } {
  const own = locale === 'en' ? undefined : descriptions?.[locale];
  return own ? { description: own, descriptionLanguage: locale } : { description: english, descriptionLanguage: 'en' };
}

/**
 * A change to the descriptions: each language given replaces that language's text, an empty one
 * removes it, and the languages not given stay as they are.
 */
export function mergeDescriptions(current: EventDescriptions, change: EventDescriptions): EventDescriptions {
  const merged: EventDescriptions = { ...current };
  for (const locale of TRANSLATED_LOCALES) {
    const text = change[locale];
    if (text === undefined) continue;
    if (text === '') delete merged[locale];
    else merged[locale] = text;
  }
  return merged;
}

/** Every translated language, null where there is none: how the organizer reads them. */
export const allDescriptions = (descriptions: EventDescriptions | null): Record<TranslatedLocale, string | null> => ({
  de: descriptions?.de ?? null,
  es: descriptions?.es ?? null,
});
