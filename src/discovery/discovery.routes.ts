import { defineRoute, JsonText, Reply, type AnyRoute } from '../http/route.js';
import { requestLocale } from '../http/request-locale.js';
import {
  citiesResult,
  detailQuery,
  eventDetail,
  eventDetailHead,
  eventParams,
  searchQuery,
  searchResult,
} from './discovery.schemas.js';
import { detailEtag, type DiscoveryService } from './discovery.service.js';

const tag = 'Discovery';

/** True when the client's copy (If-None-Match) is the current representation. */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  // If-None-Match uses the weak comparison (RFC 9110 §13.1.2): a W/ prefix does not matter.
  return header.split(',').some((tag) => {
    const candidate = tag.trim();
    return candidate === '*' || candidate.replace(/^W\//, '') === etag;
  });
}

export function discoveryRoutes(discovery: DiscoveryService): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/events',
      summary:
        'Find events: by place, date, price, category, words, venue, accessibility and live availability; suggestions from the profile when signed in without filters',
      tag,
      access: 'optional',
      query: searchQuery,
      response: { status: 200, schema: searchResult },
      errors: ['request.invalid'],
      handler: (ctx) => discovery.search(ctx.principal, ctx.query),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/cities',
      summary: 'The cities with published events still to come, each with the point to search around',
      tag,
      access: 'public',
      response: { status: 200, schema: citiesResult },
      handler: async (ctx) => {
        // The same list for everyone, a minute behind at most (DiscoveryService.cities).
        ctx.setHeader('Cache-Control', 'public, max-age=60');
        return discovery.cities();
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/events/:id',
      lean: true,
      summary:
        'An event with its tiers and live availability; with include=seats also the seat map with live per-seat status (ETag, If-None-Match)',
      tag,
      access: 'optional',
      params: eventParams,
      query: detailQuery,
      response: { status: 200, schema: eventDetail },
      errors: ['discovery.event_not_found'],
      handler: async (ctx) => {
        const seats = ctx.query.include?.includes('seats') ?? false;
        const locale = requestLocale(ctx);
        const { head, seatMap } = await discovery.detail(
          ctx.principal,
          ctx.params.id,
          ctx.query.near,
          { seats },
          locale,
        );
        // The head is checked and serialized once: for the ETag, and as the answer's start.
        const text = JSON.stringify(eventDetailHead.parse(head));
        const etag = detailEtag(text, seatMap);
        // Availability is live: caches may keep a copy but must revalidate it (a 304 is cheap).
        // A signed-in answer measures distance from the fan's home, so it is theirs alone; the
        // description follows the reader's language (its cookie or Accept-Language).
        const headers = {
          ETag: etag,
          'Cache-Control': `${ctx.principal ? 'private' : 'public'}, no-cache`,
          Vary: 'Authorization, Accept-Language, Cookie',
        };
        if (matches(ctx.requestHeader('if-none-match'), etag)) return new Reply(304, undefined, headers);
        // The seat map (up to tens of thousands of seats) is serialized once per inventory
        // snapshot; each answer sends its bytes after its own head.
        return new Reply(
          200,
          new JsonText(seatMap ? [`${text.slice(0, -1)},"seatMap":`, seatMap.json, '}'] : text),
          headers,
        );
      },
    }),
  ];
}
