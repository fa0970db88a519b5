import type { FastifyError, FastifyInstance } from 'fastify';

/** An error whose message is safe to show: a status and, for 4xx, the field that was wrong. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly where?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
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
      const body: { error: string; where?: string } = { error: err.message };
      if (err.where && err.statusCode < 500) body.where = err.where;
      return reply.code(err.statusCode).send(body);
    }
    if (err.userError === true) {
      return reply.code(400).send({ error: err.message, ...(err.where ? { where: err.where } : {}) });
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status < 500) return reply.code(status).send({ error: err.message });
    request.log.error({ err }, 'internal error');
    return reply.code(500).send({ error: 'Internal error' });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: `No route ${request.method} ${request.url.split('?')[0]}` });
  });
}
