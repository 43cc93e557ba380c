// A tiny router for the fake: method + path pattern → handler. Enough for a dozen endpoints.
import type { Reply } from './reply.ts';

/** What a handler sees of the request. */
export interface RouteContext {
  url: URL;
  /** The pattern's capture groups, URL-decoded. */
  params: string[];
  body: unknown;
}

/** One endpoint. */
export interface Route {
  method: string;
  pattern: RegExp;
  handle: (context: RouteContext) => Reply | Promise<Reply>;
}

/** The route for `method path` and its decoded captures, if any matches. */
export function matchRoute(
  routes: Route[],
  method: string,
  path: string,
): { route: Route; params: string[] } | undefined {
  for (const route of routes) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(path);
    if (match !== null) {
      return { route, params: match.slice(1).map((part) => decodeURIComponent(part)) };
    }
  }
  return undefined;
}
