import { isLocale, type Locale } from '../../../src/i18n/locales.js';
import { api } from '../lib/api.js';
import { $, setStatus } from '../lib/dom.js';
import { locale, t } from '../lib/i18n.js';
import type { Me } from '../lib/layout.js';

/**
 * The account page's "Language" setting: the account's language (users.locale) is the one its
 * mails and notifications are written in. Saved through PATCH /v1/me, then the page reloads in
 * it (`?lang=`, which the server keeps in the fd_lang cookie for the pages too).
 */
const select = () => $<HTMLSelectElement>('#language-select');
/** The language the account has, shown again when a change is refused. */
let saved: Locale = locale;

/** Shows the account's language; an answer without one (an older server) shows the page's. */
export function showLanguage(me: Me & { locale?: unknown }): void {
  saved = isLocale(me.locale) ? me.locale : locale;
  select().value = saved;
}

async function save(chosen: Locale): Promise<void> {
  const status = $('#language-status');
  setStatus(status, 'busy', t('account:language.saving'));
  try {
    await api('PATCH', '/v1/me', { locale: chosen });
  } catch {
    setStatus(status, 'bad', t('account:language.refused'));
    select().value = saved;
    return;
  }
  const url = new URL(location.href);
  url.searchParams.set('lang', chosen);
  location.assign(url.toString());
}

export function bindLanguage(): void {
  const field = select();
  $<HTMLFormElement>('#language').addEventListener('submit', (event) => event.preventDefault());
  field.addEventListener('change', () => {
    if (isLocale(field.value)) void save(field.value);
  });
}
