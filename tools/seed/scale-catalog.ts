import type postgres from 'postgres';
import { categories } from '../../src/shared/index.js';

/**
 * A large synthetic catalog written with a few INSERT … SELECT generate_series statements
 * (seconds, not minutes): `venueCount` venues clustered around real cities and `eventCount`
 * events over the next year, each with a GA tier. Used by bench:search and the EXPLAIN test
 * (test/integration/discovery.scale.test.ts).
 */

export const CITIES = [
  ['Berlin', 52.52, 13.405, 'Europe/Berlin'],
  ['London', 51.5072, -0.1276, 'Europe/London'],
  ['Paris', 48.8566, 2.3522, 'Europe/Paris'],
  ['Amsterdam', 52.3676, 4.9041, 'Europe/Amsterdam'],
  ['Barcelona', 41.3874, 2.1686, 'Europe/Madrid'],
  ['New York', 40.7128, -74.006, 'America/New_York'],
  ['Chicago', 41.8781, -87.6298, 'America/Chicago'],
  ['Tokyo', 35.6762, 139.6503, 'Asia/Tokyo'],
  ['Sydney', -33.8688, 151.2093, 'Australia/Sydney'],
  ['São Paulo', -23.5505, -46.6333, 'America/Sao_Paulo'],
  ['Vienna', 48.2082, 16.3738, 'Europe/Vienna'],
  ['Milan', 45.4642, 9.19, 'Europe/Rome'],
  ['Stockholm', 59.3293, 18.0686, 'Europe/Stockholm'],
  ['Toronto', 43.6532, -79.3832, 'America/Toronto'],
  ['Mexico City', 19.4326, -99.1332, 'America/Mexico_City'],
  ['Cape Town', -33.9249, 18.4241, 'Africa/Johannesburg'],
  ['Seoul', 37.5665, 126.978, 'Asia/Seoul'],
  ['Auckland', -36.8485, 174.7633, 'Pacific/Auckland'],
  ['Los Angeles', 34.0522, -118.2437, 'America/Los_Angeles'],
  ['Lisbon', 38.7223, -9.1393, 'Europe/Lisbon'],
] as const;

const WORDS = ['Night', 'Live', 'Festival', 'Session', 'Showcase', 'Tour', 'Gala', 'Weekender', 'Matinee', 'Marathon'];
/** 40 × 60 = 2,400 performer names: a name word is in 1/40 or 1/60 of events, as in a real catalog. */
const FIRST = [
  'Miles',
  'Nina',
  'Ella',
  'Louis',
  'Aretha',
  'Björn',
  'Chiara',
  'Dmitri',
  'Esme',
  'Farid',
  'Greta',
  'Hiro',
  'Ines',
  'Jonas',
  'Kemi',
  'Lars',
  'Mira',
  'Noor',
  'Oscar',
  'Paloma',
  'Quentin',
  'Rosa',
  'Sven',
  'Tariq',
  'Uma',
  'Viktor',
  'Wen',
  'Ximena',
  'Yusuf',
  'Zoe',
  'Amara',
  'Bruno',
  'Cleo',
  'Dario',
  'Elif',
  'Felix',
  'Gaia',
  'Hugo',
  'Ivy',
  'Jules',
];
const LAST = [
  'Okafor',
  'Lindqvist',
  'Moreau',
  'Tanaka',
  'Rossi',
  'Novak',
  'Haddad',
  'Schulz',
  'Costa',
  'Kowalski',
  'Brennan',
  'Dubois',
  'Ferreira',
  'Grant',
  'Horvat',
  'Ivanova',
  'Jensen',
  'Kaur',
  'Larsen',
  'Mendes',
  'Nakamura',
  'Olsen',
  'Petrov',
  'Quinn',
  'Reyes',
  'Sato',
  'Torres',
  'Ueda',
  'Varga',
  'Weber',
  'Xu',
  'Yilmaz',
  'Zhang',
  'Abbott',
  'Becker',
  'Castro',
  'Diaz',
  'Eriksen',
  'Fischer',
  'Garcia',
  'Hansen',
  'Ito',
  'Jovanovic',
  'Keller',
  'Lopez',
  'Meyer',
  'Nilsson',
  'Ortiz',
  'Park',
  'Ruiz',
  'Silva',
  'Tran',
  'Vogel',
  'Wagner',
  'Young',
  'Ziegler',
  'Andersen',
  'Bauer',
  'Chen',
  'Dahl',
];
const list = (words: readonly string[]) => `array[${words.map((w) => `'${w}'`).join(',')}]`;

export async function loadScaleCatalog(
  sql: postgres.Sql,
  o: { eventCount: number; venueCount: number },
): Promise<{ organizerId: string }> {
  const [org] = await sql<{ id: string }[]>`
    insert into users (email, password_hash, display_name, roles) values ('scale-organizer@example.test', 'x', 'Scale Organizer', '{fan,organizer}')
    returning id`;
  const organizerId = org!.id;
  const cityValues = CITIES.map(
    ([name, lat, lng, tz], i) => `(${i}, '${name.replace(/'/g, "''")}', ${lat}, ${lng}, '${tz}')`,
  ).join(',');
  // Venues: spread over ±0.15° (±15 km) around their city, deterministic from the series number.
  await sql.unsafe(
    `
    with city(i, name, lat, lng, tz) as (values ${cityValues})
    insert into venues (owner_id, name, address, city, country, latitude, longitude, time_zone, accessibility, transit)
    select $1::uuid, 'Venue ' || g, g || ' Main Street', city.name, 'XX',
      city.lat + (((g * 7919) % 1000) / 1000.0 - 0.5) * 0.3,
      city.lng + (((g * 104729) % 1000) / 1000.0 - 0.5) * 0.3,
      city.tz,
      case g % 4 when 0 then array['wheelchair','step_free'] when 1 then array['step_free']
        when 2 then array['hearing_loop','wheelchair','step_free'] else array[]::text[] end,
      jsonb_build_object('stops', jsonb_build_array(jsonb_build_object('name', 'Stop ' || g, 'lines', jsonb_build_array('U' || (g % 9)), 'walkingMinutes', 1 + g % 12)), 'parking', null)
    from generate_series(1, ${o.venueCount}) g join city on city.i = g % ${CITIES.length}`,
    [organizerId],
  );
  const cats = list(categories);
  const words = list(WORDS);
  await sql.unsafe(
    `
    with v as (select id, row_number() over (order by name) as n from venues),
    src as (select g, ${cats} as cats, ${words} as words, ${list(FIRST)} as first, ${list(LAST)} as last
      from generate_series(1, ${o.eventCount}) g)
    insert into events (organizer_id, venue_id, title, description, categories, performers, starts_at, status)
    select $1::uuid, v.id,
      initcap(replace(cats[1 + g % 25], '_', ' ')) || ' ' || words[1 + (g / 25) % 10] || ' #' || g,
      'An evening of ' || replace(cats[1 + (g * 7) % 25], '_', ' ') || ' in ' || words[1 + g % 10],
      array[cats[1 + g % 25], cats[1 + (g * 7) % 25]],
      array[first[1 + g % 40] || ' ' || last[1 + (g / 40) % 60], first[1 + (g * 13) % 40] || ' ' || last[1 + (g * 7) % 60]],
      date_trunc('hour', now()) + (g % 365) * interval '1 day' + (g % 13) * interval '1 hour' + interval '1 hour',
      case when g % 50 = 0 then 'draft' when g % 97 = 0 then 'cancelled' when g % 89 = 0 then 'postponed' else 'on_sale' end
    from src join v on v.n = 1 + g % ${o.venueCount}`,
    [organizerId],
  );
  await sql`
    insert into price_tiers (event_id, name, kind, price_cents, fee_cents, currency)
    select id, 'General admission', 'ga', 1000 + (abs(hashtext(id::text)) % 150) * 100, 250, 'EUR' from events`;
  await sql`
    insert into ga_inventory (tier_id, event_id, capacity, sold)
    select t.id, t.event_id, 500, case when abs(hashtext(t.id::text)) % 10 = 0 then 500 else abs(hashtext(t.id::text)) % 400 end
    from price_tiers t`;
  // The steady state autovacuum keeps a live catalog in: statistics and visibility map fresh.
  await sql`vacuum analyze`;
  return { organizerId };
}
