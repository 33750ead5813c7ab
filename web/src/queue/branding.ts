import type { BrandingView } from '../../../src/media/media.schemas.js';
import { api } from '../lib/api.js';
import { $ } from '../lib/dom.js';
import { showPicture } from '../lib/pictures.js';

/**
 * The organizer's branding of the waiting room: their logo, their message in the reader's
 * language (English when they wrote none in it) and their accent colour on the page's buttons
 * and links. The server checked the colour's contrast; the message is set as text, never HTML.
 * Loaded once: branding does not change during a drop.
 */

const LANGUAGES = ['en', 'de', 'es'] as const;

/**
 * The page's language when it was chosen as German or Spanish, else the first of the browser's
 * languages the organizer can write in, else English.
 */
function readerLanguage(): (typeof LANGUAGES)[number] {
  const known = (tag: string) => LANGUAGES.find((l) => l === tag.slice(0, 2).toLowerCase());
  const page = known(document.documentElement.lang);
  if (page && page !== 'en') return page;
  for (const tag of navigator.languages) {
    const lang = known(tag);
    if (lang) return lang;
  }
  return 'en';
}

export async function showBranding(eventId: string): Promise<void> {
  let branding: BrandingView;
  try {
    branding = await api<BrandingView>(
      'GET',
      `/v1/events/${encodeURIComponent(eventId)}/branding?lang=${readerLanguage()}`,
    );
  } catch {
    // Without its branding the waiting room still works: the site's own look.
    return;
  }
  const section = $('#branding');
  if (branding.accent) $('main').style.setProperty('--brand', branding.accent);
  showPicture($('#brand-logo'), branding.logo, 'logo', { eager: true });
  const message = $('#brand-message');
  message.hidden = !branding.message;
  message.textContent = branding.message?.text ?? '';
  if (branding.message) message.lang = branding.message.lang;
  section.hidden = !branding.logo && !branding.message;
}
