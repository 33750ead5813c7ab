export { catalogue, hasKey, NAMESPACES, resources, translator, type Translate } from './catalogues.js';
export {
  cookieValue,
  DEFAULT_LOCALE,
  fromAcceptLanguage,
  isLocale,
  LOCALE_COOKIE,
  LOCALE_NAMES,
  localeCookie,
  LOCALES,
  negotiateLocale,
  type Locale,
} from './locales.js';
