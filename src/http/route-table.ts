import { AppError } from '../shared/errors.js';

/**
 * Finds the route for a request path. Our route paths are plain segments, literal or `:name`
 * (checked when a pattern is added), so a pattern matches exactly the paths of its own depth:
 * the table keeps one short list per key and depth, tried in the order added, each pattern
 * compared segment by segment. What matches is what Express' router would match for the same
 * patterns: literals case-insensitively on the raw (still percent-encoded) path, a parameter
 * on one or more characters of one segment, decoded; a trailing slash does not count.
 */

type Segment = { literal: string } | { param: string };

/** A literal segment (what RFC 3986 allows unencoded in a path, less what Express' syntax reserves) or `:name`. */
const SEGMENT = /^(?:[A-Za-z0-9._~-]+|:[A-Za-z_]\w*)$/;

export interface Match<T> {
  value: T;
  /** The pattern as registered (`/v1/events/:id`): the label for metrics. */
  pattern: string;
  params: Record<string, string>;
}

/** A request path's segments, without the leading slash and a trailing one (`/a/b/` → `['a', 'b']`). */
export function pathSegments(path: string): string[] {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(1, -1) : path.slice(1);
  return trimmed.split('/');
}

function compile(pattern: string): Segment[] {
  const segments = pathSegments(pattern);
  for (const s of segments) {
    if (!SEGMENT.test(s))
      throw new Error(`${pattern}: only literal and :name segments are supported (${JSON.stringify(s)})`);
  }
  return segments.map((s) => (s.startsWith(':') ? { param: s.slice(1) } : { literal: s.toLowerCase() }));
}

function decodeParam(name: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new AppError(400, 'request.invalid', `Invalid params.${name}.`, {
      errors: [{ in: 'params', field: name, code: 'malformed_encoding', message: 'is not valid percent-encoding' }],
    });
  }
}

export class RouteTable<T> {
  private readonly lists = new Map<string, { segments: Segment[]; pattern: string; value: T }[]>();

  add(key: string, pattern: string, value: T): void {
    const segments = compile(pattern);
    const id = `${key}:${segments.length}`;
    const list = this.lists.get(id) ?? [];
    list.push({ segments, pattern, value });
    this.lists.set(id, list);
  }

  /** The first entry under `key` whose pattern matches the path's segments; a malformed parameter is a 400 problem. */
  find(key: string, parts: readonly string[]): Match<T> | null {
    const list = this.lists.get(`${key}:${parts.length}`);
    if (!list) return null;
    for (const entry of list) {
      if (!matchesAll(entry.segments, parts)) continue;
      const params: Record<string, string> = {};
      for (let i = 0; i < parts.length; i++) {
        const segment = entry.segments[i]!;
        if ('param' in segment) params[segment.param] = decodeParam(segment.param, parts[i]!);
      }
      return { value: entry.value, pattern: entry.pattern, params };
    }
    return null;
  }
}

/** Plain loops: this runs for every API request, against each pattern of the request's depth. */
function matchesAll(segments: readonly Segment[], parts: readonly string[]): boolean {
  for (let i = 0; i < parts.length; i++) {
    if (!matches(segments[i]!, parts[i]!)) return false;
  }
  return true;
}

function matches(segment: Segment, part: string): boolean {
  if ('param' in segment) return part.length > 0;
  return part.length === segment.literal.length && part.toLowerCase() === segment.literal;
}
