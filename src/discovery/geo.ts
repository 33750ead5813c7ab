/**
 * Great-circle geometry for "near a point" search. Pure functions: the repository turns a
 * BoundingBox into an indexable range predicate, and tests use `haversineKm` as the reference.
 */

/** IUGG mean Earth radius: the sphere closest to the ellipsoid on average (error ≤ 0.5 %). */
export const EARTH_RADIUS_KM = 6371.0088;

export interface Point {
  lat: number;
  lng: number;
}

const rad = (deg: number) => (deg * Math.PI) / 180;
const deg = (r: number) => (r * 180) / Math.PI;

export function haversineKm(a: Point, b: Point): number {
  const dLat = rad(b.lat - a.lat);
  const dLng = rad(b.lng - a.lng);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Longitude ranges are a list because a box crossing the antimeridian is two boxes. */
export interface BoundingBox {
  minLat: number;
  maxLat: number;
  lngRanges: [number, number][];
}

/**
 * The smallest latitude/longitude box holding every point within `radiusKm` of `center`
 * (J. P. Matuschek's method): the latitude band is exact, and the longitude half-width is the
 * widest the circle gets, at its tangent latitude. Near a pole the circle covers every
 * longitude. A point outside the box is certainly too far; inside, the exact distance decides.
 */
export function boundingBox(center: Point, radiusKm: number): BoundingBox {
  const angular = radiusKm / EARTH_RADIUS_KM;
  // A hair of slack so floating-point rounding at the box edge never drops a venue the exact
  // distance would keep; the haversine predicate still decides.
  const slack = 1e-9;
  const minLat = center.lat - deg(angular) - slack;
  const maxLat = center.lat + deg(angular) + slack;
  if (minLat <= -90 || maxLat >= 90 || angular >= Math.PI / 2) {
    return { minLat: Math.max(minLat, -90), maxLat: Math.min(maxLat, 90), lngRanges: [[-180, 180]] };
  }
  const halfWidth = deg(Math.asin(Math.sin(angular) / Math.cos(rad(center.lat))));
  const west = center.lng - halfWidth;
  const east = center.lng + halfWidth;
  if (west < -180)
    return {
      minLat,
      maxLat,
      lngRanges: [
        [west + 360 - slack, 180],
        [-180, east + slack],
      ],
    };
  if (east > 180)
    return {
      minLat,
      maxLat,
      lngRanges: [
        [west - slack, 180],
        [-180, east - 360 + slack],
      ],
    };
  return { minLat, maxLat, lngRanges: [[west - slack, east + slack]] };
}
