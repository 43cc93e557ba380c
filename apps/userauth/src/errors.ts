/**
 * HTTP errors in Koa's shape (`status`, `expose`): exposed ones send their message to the
 * client as `{error}`; everything else becomes a generic 500 (see app.ts).
 */

/** An error whose message is safe to send with its status. */
export class HttpError extends Error {
  override name = 'HttpError';
  readonly status: number;
  readonly expose = true;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** 404 with a message naming what was not found. */
export const notFound = (what: string) => new HttpError(404, `${what} not found`);
