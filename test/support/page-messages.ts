import { resources } from '../../src/i18n/index.js';
import { useMessages } from '../../web/src/lib/i18n.js';

/**
 * A page module imported by a unit test runs outside a browser, where no page embeds its
 * messages: give it every English message, as an English page would have. A test of another
 * language calls `useMessages` itself.
 */
useMessages('en', resources.en as Record<string, Record<string, unknown>>);
