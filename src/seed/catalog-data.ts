import type { Transit } from '../catalog/catalog.table.js';
import type { AccessibilityFeature, Category } from '../shared/vocabulary.js';

/** Real venues (approximate coordinates) for the demo catalog; kinds decide seating and programme. */

export type VenueKind = 'hall' | 'club' | 'arena' | 'theatre';

export interface DemoVenue {
  name: string;
  address: string;
  lat: number;
  lng: number;
  kind: VenueKind;
  stop: string;
  lines: string[];
  walk: number;
  parking: string | null;
}

export interface DemoCity {
  city: string;
  country: string;
  timeZone: string;
  currency: string;
  venues: DemoVenue[];
}

const v = (name: string, address: string, lat: number, lng: number, kind: VenueKind, stop: string, lines: string[], walk: number, parking: string | null = null): DemoVenue => ({
  name, address, lat, lng, kind, stop, lines, walk, parking,
});

export const demoCities: DemoCity[] = [
  { city: 'Berlin', country: 'DE', timeZone: 'Europe/Berlin', currency: 'EUR', venues: [
    v('Philharmonie Berlin', 'Herbert-von-Karajan-Str. 1', 52.5098, 13.37, 'hall', 'Potsdamer Platz', ['S1', 'S2', 'S25', 'U2'], 7, 'Potsdamer Platz Arkaden garage'),
    v('Columbiahalle', 'Columbiadamm 13-21', 52.4836, 13.3906, 'club', 'Platz der Luftbrücke', ['U6'], 3),
    v('Uber Arena', 'Uber-Platz 1', 52.5079, 13.4433, 'arena', 'Warschauer Straße', ['S3', 'S5', 'S7', 'S9', 'U1', 'U3'], 5, 'Arena garage P1'),
    v('A-Trane', 'Bleibtreustr. 1', 52.5061, 13.3166, 'club', 'Savignyplatz', ['S3', 'S5', 'S7', 'S9'], 4),
    v('Volksbühne', 'Linienstr. 227', 52.5269, 13.4115, 'theatre', 'Rosa-Luxemburg-Platz', ['U2'], 1),
  ] },
  { city: 'London', country: 'GB', timeZone: 'Europe/London', currency: 'GBP', venues: [
    v('Royal Albert Hall', 'Kensington Gore', 51.5009, -0.1774, 'hall', 'South Kensington', ['District', 'Circle', 'Piccadilly'], 10),
    v('O2 Academy Brixton', '211 Stockwell Rd', 51.4651, -0.115, 'club', 'Brixton', ['Victoria'], 4),
    v("Ronnie Scott's", '47 Frith St', 51.5134, -0.1318, 'club', 'Tottenham Court Road', ['Central', 'Northern', 'Elizabeth'], 6),
    v('Barbican Centre', 'Silk St', 51.5202, -0.0938, 'theatre', 'Barbican', ['Circle', 'Hammersmith & City', 'Metropolitan'], 5, 'Barbican car park 3'),
    v('OVO Arena Wembley', 'Arena Square, Engineers Way', 51.558, -0.2817, 'arena', 'Wembley Park', ['Jubilee', 'Metropolitan'], 6, 'Wembley Red car park'),
  ] },
  { city: 'Paris', country: 'FR', timeZone: 'Europe/Paris', currency: 'EUR', venues: [
    v('Philharmonie de Paris', '221 Av. Jean Jaurès', 48.8919, 2.3936, 'hall', 'Porte de Pantin', ['5', 'T3b'], 2, 'Parking Cité de la Musique'),
    v("L'Olympia", '28 Bd des Capucines', 48.8702, 2.3281, 'theatre', 'Madeleine', ['8', '12', '14'], 3),
    v('Le Bataclan', "50 Bd Voltaire", 48.8631, 2.3708, 'club', 'Oberkampf', ['5', '9'], 2),
    v('Accor Arena', '8 Bd de Bercy', 48.8386, 2.3785, 'arena', 'Bercy', ['6', '14'], 2, 'Parking Bercy Arena'),
    v('New Morning', '7-9 Rue des Petites Écuries', 48.8735, 2.353, 'club', "Château d'Eau", ['4'], 4),
  ] },
  { city: 'Amsterdam', country: 'NL', timeZone: 'Europe/Amsterdam', currency: 'EUR', venues: [
    v('Concertgebouw', 'Concertgebouwplein 10', 52.3563, 4.879, 'hall', 'Museumplein', ['Tram 2', 'Tram 12'], 3, 'Q-Park Museumplein'),
    v('Paradiso', 'Weteringschans 6-8', 52.3622, 4.8838, 'club', 'Leidseplein', ['Tram 1', 'Tram 2', 'Tram 5', 'Tram 7', 'Tram 12'], 3),
    v('Melkweg', 'Lijnbaansgracht 234A', 52.3647, 4.8811, 'club', 'Leidseplein', ['Tram 1', 'Tram 2', 'Tram 5', 'Tram 7', 'Tram 12'], 3),
    v('Ziggo Dome', 'De Passage 100', 52.3136, 4.9372, 'arena', 'Bijlmer ArenA', ['Metro 50', 'Metro 54', 'Sprinter'], 8, 'P1 Ziggo Dome'),
    v('Bimhuis', 'Piet Heinkade 3', 52.378, 4.9126, 'club', 'Amsterdam Centraal', ['Metro 52', 'Tram 26', 'Trains'], 9),
  ] },
  { city: 'Barcelona', country: 'ES', timeZone: 'Europe/Madrid', currency: 'EUR', venues: [
    v('Palau de la Música Catalana', 'C/ Palau de la Música 4-6', 41.3875, 2.1753, 'hall', 'Urquinaona', ['L1', 'L4'], 3),
    v('Razzmatazz', 'C/ dels Almogàvers 122', 41.3977, 2.1911, 'club', 'Marina', ['L1'], 5),
    v('Palau Sant Jordi', 'Passeig Olímpic 5-7', 41.3636, 2.1526, 'arena', 'Espanya', ['L1', 'L3', 'Bus 150'], 18, 'Parking Anella Olímpica'),
    v('Gran Teatre del Liceu', 'La Rambla 51-59', 41.3806, 2.1734, 'theatre', 'Liceu', ['L3'], 1),
    v('Jamboree', 'Plaça Reial 17', 41.3797, 2.1751, 'club', 'Liceu', ['L3'], 3),
  ] },
  { city: 'New York', country: 'US', timeZone: 'America/New_York', currency: 'USD', venues: [
    v('Carnegie Hall', '881 7th Ave', 40.7651, -73.9799, 'hall', '57 St–7 Av', ['N', 'Q', 'R', 'W'], 1),
    v('Madison Square Garden', '4 Pennsylvania Plaza', 40.7505, -73.9934, 'arena', '34 St–Penn Station', ['1', '2', '3', 'A', 'C', 'E'], 2, 'Icon garage, W 31st St'),
    v('Blue Note', '131 W 3rd St', 40.7309, -74.0007, 'club', 'W 4 St–Washington Sq', ['A', 'B', 'C', 'D', 'E', 'F', 'M'], 3),
    v('Brooklyn Steel', '319 Frost St', 40.7192, -73.9388, 'club', 'Graham Av', ['L'], 9),
    v('Apollo Theater', '253 W 125th St', 40.81, -73.9501, 'theatre', '125 St', ['A', 'B', 'C', 'D'], 3),
  ] },
  { city: 'Vienna', country: 'AT', timeZone: 'Europe/Vienna', currency: 'EUR', venues: [
    v('Musikverein', 'Musikvereinsplatz 1', 48.2005, 16.3726, 'hall', 'Karlsplatz', ['U1', 'U2', 'U4'], 3, 'Parkgarage Karlsplatz'),
    v('Wiener Staatsoper', 'Opernring 2', 48.203, 16.369, 'theatre', 'Karlsplatz', ['U1', 'U2', 'U4', 'Tram D'], 2),
    v('Porgy & Bess', 'Riemergasse 11', 48.2062, 16.378, 'club', 'Stubentor', ['U3'], 4),
    v('Wiener Stadthalle', 'Roland-Rainer-Platz 1', 48.2023, 16.3331, 'arena', 'Burggasse-Stadthalle', ['U6'], 4, 'Stadthalle garage'),
  ] },
  { city: 'Lisbon', country: 'PT', timeZone: 'Europe/Lisbon', currency: 'EUR', venues: [
    v('Coliseu dos Recreios', 'R. das Portas de Santo Antão 96', 38.7155, -9.1403, 'theatre', 'Restauradores', ['Blue line'], 3),
    v('MEO Arena', 'Rossio dos Olivais', 38.7685, -9.094, 'arena', 'Oriente', ['Red line', 'Trains'], 5, 'Parque Nações Norte'),
    v('Hot Clube de Portugal', 'Praça da Alegria 48', 38.7182, -9.1468, 'club', 'Avenida', ['Blue line'], 5),
    v('Teatro Nacional de São Carlos', 'R. Serpa Pinto 9', 38.7097, -9.142, 'hall', 'Baixa-Chiado', ['Blue line', 'Green line'], 4),
  ] },
];

/** What each kind of venue puts on, and the accessibility it typically has. */
export const programme: Record<VenueKind, { categories: Category[][]; accessibility: AccessibilityFeature[][] }> = {
  hall: {
    categories: [['classical'], ['classical', 'music'], ['opera'], ['jazz', 'music'], ['talks'], ['family', 'classical']],
    accessibility: [['wheelchair', 'step_free', 'hearing_loop', 'accessible_toilets'], ['wheelchair', 'step_free', 'hearing_loop']],
  },
  club: {
    categories: [['jazz'], ['jazz', 'music'], ['electronic'], ['indie', 'rock'], ['hip_hop'], ['comedy'], ['folk', 'indie'], ['metal', 'rock']],
    accessibility: [['step_free'], [], ['wheelchair', 'step_free', 'accessible_toilets'], ['hearing_loop']],
  },
  arena: {
    categories: [['pop', 'music'], ['rock'], ['basketball', 'sports'], ['family'], ['festival', 'electronic'], ['hip_hop', 'pop'], ['tennis', 'sports']],
    accessibility: [['wheelchair', 'step_free', 'hearing_loop', 'accessible_toilets', 'sensory_friendly'], ['wheelchair', 'step_free', 'accessible_toilets']],
  },
  theatre: {
    categories: [['theatre'], ['musical', 'theatre'], ['dance'], ['comedy'], ['opera'], ['film', 'talks'], ['family', 'musical']],
    accessibility: [['wheelchair', 'step_free', 'hearing_loop'], ['hearing_loop', 'accessible_toilets'], ['wheelchair', 'step_free', 'accessible_toilets', 'sensory_friendly']],
  },
};

export const transitOf = (venue: DemoVenue): Transit => ({
  stops: [{ name: venue.stop, lines: venue.lines, walkingMinutes: venue.walk }],
  parking: venue.parking,
});

export const FIRST_NAMES = ['Miles', 'Nina', 'Ella', 'Aretha', 'Björn', 'Chiara', 'Dmitri', 'Esme', 'Farid', 'Greta', 'Hiro', 'Ines', 'Jonas', 'Kemi', 'Lars', 'Mira', 'Noor', 'Oscar', 'Paloma', 'Rosa', 'Sven', 'Tariq', 'Uma', 'Viktor'];
export const LAST_NAMES = ['Okafor', 'Lindqvist', 'Moreau', 'Tanaka', 'Rossi', 'Novak', 'Haddad', 'Schulz', 'Costa', 'Kowalski', 'Brennan', 'Dubois', 'Ferreira', 'Grant', 'Horvat', 'Jensen', 'Kaur', 'Mendes', 'Nakamura', 'Petrov'];
export const ENSEMBLES = ['Quartet', 'Trio', 'Orchestra', 'Collective', 'Band', 'Ensemble', 'Sound System', 'Company'];
export const TITLE_WORDS: Record<string, string[]> = {
  classical: ['Symphony No. 5', 'Brahms & Dvořák', 'Baroque Evening', 'Mahler Cycle', 'Piano Recital'],
  opera: ['La Traviata', 'The Magic Flute', 'Carmen', 'Tosca', 'Don Giovanni'],
  jazz: ['Late Night Jazz', 'Jazz Standards', 'Bebop Session', 'Modal Nights', 'Big Band Swing'],
  electronic: ['Warehouse Techno', 'Ambient Night', 'House Classics', 'Club Night'],
  indie: ['Indie Showcase', 'New Voices', 'Guitar Night'],
  rock: ['Rock Night', 'Unplugged', 'Anniversary Tour'],
  metal: ['Metal Mayhem', 'Heavy Night'],
  hip_hop: ['Hip Hop Live', 'Cypher Night'],
  comedy: ['Stand-up Night', 'Comedy Gala', 'Improv Jam'],
  folk: ['Folk Evening', 'Songwriters Circle'],
  pop: ['World Tour', 'Greatest Hits', 'Arena Tour'],
  basketball: ['Basketball: Derby', 'Basketball: Cup Final'],
  tennis: ['Tennis: Exhibition Night'],
  family: ['Family Concert', 'Circus for Kids', 'Animated Classics Live'],
  festival: ['Festival Weekender', 'Summer Festival'],
  theatre: ['Hamlet', 'A Doll’s House', 'Waiting for Godot', 'The Seagull'],
  musical: ['Cabaret', 'Chicago', 'West Side Story'],
  dance: ['Contemporary Dance', 'Swan Lake', 'Tango Night'],
  film: ['Film with Live Orchestra', 'Documentary Premiere'],
  talks: ['In Conversation', 'Science Talk', 'Author Evening'],
};
