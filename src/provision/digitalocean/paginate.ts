/**
 * Walking DigitalOcean's paginated collections. Each page carries `links.pages.next` while more
 * follow (API reference, "Links & Pagination"); we take only the page number from that link and
 * ask our own base URL for it, so a link can never send the token to another host.
 */
import type { DigitalOceanHttp } from './http.ts';
import type { PageLinks } from './types.ts';

/** The most a page may hold (DigitalOcean's maximum `per_page`). */
export const MAX_PER_PAGE = 200;

/** A guard against a server that keeps answering with a next page. */
const MAX_PAGES = 10_000;

/** The page number a `links.pages.next` URL points at, if it has one. */
export function nextPageNumber(links: PageLinks | undefined): number | undefined {
  const next = links?.pages?.next;
  if (next === undefined) return undefined;
  const page = Number(new URL(next, 'http://page.invalid').searchParams.get('page'));
  return Number.isInteger(page) && page > 0 ? page : undefined;
}

/** `path` with `page` and `per_page` set, other query parameters kept. */
export function pagePath(path: string, page: number, perPage: number): string {
  const url = new URL(path, 'http://page.invalid');
  url.searchParams.set('page', String(page));
  url.searchParams.set('per_page', String(perPage));
  return `${url.pathname}${url.search}`;
}

/** Yield every item of the collection at `path`, whose answers list them under `key`. */
export async function* paginate<T>(
  http: DigitalOceanHttp,
  path: string,
  key: string,
  options: { perPage?: number; signal?: AbortSignal | undefined } = {},
): AsyncGenerator<T> {
  const perPage = Math.min(MAX_PER_PAGE, Math.max(1, options.perPage ?? MAX_PER_PAGE));
  let page: number | undefined = 1;
  for (let count = 0; page !== undefined && count < MAX_PAGES; count++) {
    const { body } = await http.request('GET', pagePath(path, page, perPage), {
      signal: options.signal,
    });
    const answer = (body ?? {}) as Record<string, unknown> & { links?: PageLinks };
    const items = answer[key];
    if (!Array.isArray(items)) {
      throw new Error(`DigitalOcean GET ${path}: the answer has no "${key}" list`);
    }
    yield* items as T[];
    const next = nextPageNumber(answer.links);
    // A next link that does not move forward would loop forever; stop there instead.
    page = next !== undefined && next > page && items.length > 0 ? next : undefined;
  }
}

/** Every item of a collection, all pages read. */
export async function listAll<T>(
  http: DigitalOceanHttp,
  path: string,
  key: string,
  options: { perPage?: number; signal?: AbortSignal | undefined } = {},
): Promise<T[]> {
  const items: T[] = [];
  for await (const item of paginate<T>(http, path, key, options)) items.push(item);
  return items;
}
