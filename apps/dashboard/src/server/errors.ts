import type { FastifyError, FastifyInstance } from 'fastify';

/** An error whose message is safe to show: a status and, for 4xx, the field that was wrong. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly where?: string,
    /** Headers the answer carries (`retry-after` on a 503). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/**
 * An absolute filesystem path of two or more parts (`/home/u/.tunelab/checkpoints/x`): at the start of the
 * text or after a space, quote, bracket, `=` or comma, so meters (6/8), patterns and field names stay.
 */
const ABSOLUTE_PATH = /(^|[\s'"(=[,])(\/[^\s'"/():,]+)+\/([^\s'"/():,]*)/g;

/**
 * A message without the server's folders in it: every absolute path becomes `…/<last part>`. The routes
 * name checkpoints by id (see `hideCheckpointDir`); this is the net under them for what a package says.
 */
export function withoutPaths(text: string): string {
  return text.replace(ABSOLUTE_PATH, (_m, before: string, _dirs: string, last: string) => `${before}…/${last}`);
}

/**
 * An error about a checkpoint's folder, reworded to name the checkpoint: `<dir>/tunelab.json` becomes
 * `checkpoint <id>/tunelab.json`, and a `where` that was the folder becomes `whereInstead`.
 */
export function hideCheckpointDir<E extends Error>(err: E, dir: string | null, id: string, whereInstead = 'body.checkpointId'): E {
  if (!dir) return err;
  const e = err as E & { where?: string };
  const replaced = e.message.split(dir).join(`checkpoint ${id}`);
  const where = typeof e.where === 'string' && (e.where.includes(dir) || /^(body\.)?\//.test(e.where)) ? whereInstead : e.where;
  if (replaced === e.message && where === e.where) return err;
  const copy = Object.assign(Object.create(Object.getPrototypeOf(e) as object) as E, e, { message: replaced, where });
  copy.stack = e.stack?.split(dir).join(`checkpoint ${id}`);
  return copy;
}

export const notFound = (what: string, id: string, where = 'params.id'): HttpError =>
  new HttpError(404, `No ${what} ${id}`, where);

interface ValidationItem {
  instancePath?: string;
  params?: { missingProperty?: string; additionalProperty?: string; allowedValues?: unknown[] };
  message?: string;
}

/** Ajv's message, with the allowed values when it is an enum (`must be equal to one of the allowed values: meter, syntax, off`). */
function messageOf(item: ValidationItem | undefined): string {
  const message = item?.message ?? 'is invalid';
  const allowed = item?.params?.allowedValues;
  return Array.isArray(allowed) ? `${message}: ${allowed.map(String).join(', ')}` : message;
}

/** `body.temperature` from Ajv's `/temperature` in the body, or the property a `required` rule misses. */
function fieldOf(context: string | undefined, item: ValidationItem | undefined): string {
  const parts = (item?.instancePath ?? '').split('/').filter(Boolean);
  const extra = item?.params?.missingProperty ?? item?.params?.additionalProperty;
  if (extra) parts.push(extra);
  const ctx = context === 'querystring' ? 'query' : (context ?? 'request');
  return [ctx, ...parts].join('.');
}

/**
 * One error handler: 4xx say what was wrong and where; 5xx say nothing internal (the log keeps the detail).
 * `InputError`s from the packages (`userError: true`) become 400s naming their field.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError & { where?: string; userError?: boolean; validationContext?: string }, request, reply) => {
    if (err.validation) {
      const item = err.validation[0] as ValidationItem | undefined;
      const where = fieldOf(err.validationContext, item);
      return reply.code(400).send({ error: `${where} ${messageOf(item)}`, where });
    }
    if (err instanceof HttpError) {
      if (err.statusCode >= 500) request.log.warn({ err }, 'request failed');
      const body: { error: string; where?: string } = { error: withoutPaths(err.message) };
      if (err.where && err.statusCode < 500) body.where = withoutPaths(err.where);
      return reply.code(err.statusCode).headers(err.headers).send(body);
    }
    if (err.userError === true) {
      return reply.code(400).send({ error: withoutPaths(err.message), ...(err.where ? { where: withoutPaths(err.where) } : {}) });
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status < 500) return reply.code(status).send({ error: withoutPaths(err.message) });
    request.log.error({ err }, 'internal error');
    return reply.code(500).send({ error: 'Internal error' });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: `No route ${request.method} ${request.url.split('?')[0]}` });
  });
}
