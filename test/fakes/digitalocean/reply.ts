// Answers of the fake DigitalOcean API: JSON bodies, the documented error shapes
// ({id, message, request_id}) and paginated collections (links.pages + meta.total), as in the
// API reference's "HTTP Statuses", "Meta" and "Links & Pagination" sections.
import { randomUUID } from 'node:crypto';

/** What a route handler returns; the server adds the common headers. */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** An error answer with DigitalOcean's body shape. */
export function apiError(status: number, id: string, message: string): Reply {
  return { status, body: { id, message, request_id: randomUUID() } };
}

/** 404 as DigitalOcean words it. */
export function notFound(): Reply {
  return apiError(404, 'not_found', 'The resource you were accessing could not be found.');
}

/** 422 with a message. */
export function unprocessable(message: string): Reply {
  return apiError(422, 'unprocessable_entity', message);
}

/** 400 with a message. */
export function badRequest(message: string): Reply {
  return apiError(400, 'bad_request', message);
}

/** 204 with no body (DELETEs). */
export function noContent(): Reply {
  return { status: 204 };
}

/** Default and maximum of `per_page`. */
const DEFAULT_PER_PAGE = 20;
const MAX_PER_PAGE = 200;

function positiveInt(value: string | null, fallback: number): number {
  const parsed = Number(value);
  return value !== null && Number.isInteger(parsed) && parsed >= 1 ? parsed : fallback;
}

/**
 * One page of `items` under `key`, with `links.pages` holding only the links that make sense
 * (no first/prev on page 1, no next/last on the last page) and `meta.total`.
 */
export function page(items: readonly unknown[], key: string, url: URL, publicUrl: string): Reply {
  const perPage = Math.min(
    MAX_PER_PAGE,
    positiveInt(url.searchParams.get('per_page'), DEFAULT_PER_PAGE),
  );
  const pageNumber = positiveInt(url.searchParams.get('page'), 1);
  const lastPage = Math.max(1, Math.ceil(items.length / perPage));
  const link = (n: number): string => {
    const target = new URL(url.pathname + url.search, publicUrl);
    target.searchParams.set('page', String(n));
    target.searchParams.set('per_page', String(perPage));
    return target.href;
  };
  const pages: Record<string, string> = {};
  if (pageNumber > 1) {
    pages.first = link(1);
    pages.prev = link(Math.min(pageNumber - 1, lastPage));
  }
  if (pageNumber < lastPage) {
    pages.last = link(lastPage);
    pages.next = link(pageNumber + 1);
  }
  const slice = items.slice((pageNumber - 1) * perPage, pageNumber * perPage);
  const links = Object.keys(pages).length === 0 ? {} : { pages };
  return { status: 200, body: { [key]: slice, links, meta: { total: items.length } } };
}
