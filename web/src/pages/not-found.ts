import { renderHeader } from '../lib/layout.js';

// The page's words are in its HTML; the header names the account when one is signed in.
void renderHeader();
