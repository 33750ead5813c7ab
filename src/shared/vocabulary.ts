/** Words shared by fans' profiles, venues and events, so a filter can never name a thing nobody can have. */

export const accessibilityFeatures = [
  'wheelchair',
  'step_free',
  'hearing_loop',
  'accessible_toilets',
  'sensory_friendly',
] as const;
export type AccessibilityFeature = (typeof accessibilityFeatures)[number];

export const categories = [
  'music',
  'rock',
  'pop',
  'jazz',
  'classical',
  'electronic',
  'hip_hop',
  'folk',
  'metal',
  'indie',
  'theatre',
  'musical',
  'opera',
  'dance',
  'comedy',
  'film',
  'talks',
  'arts',
  'sports',
  'football',
  'basketball',
  'tennis',
  'family',
  'festival',
  'food',
] as const;
export type Category = (typeof categories)[number];

export const roles = ['fan', 'organizer', 'staff', 'admin'] as const;
export type Role = (typeof roles)[number];
