// The dish service's errors as problem+json: what each domain or framework error answers, and the one middleware that writes it.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import {
  DishExistsError, DishNotFoundError, OrderMismatchError, ReplicationTimeoutError, RestaurantExistsError, VersionConflictError,
} from '@dish-live/broker';
import { LIMITS } from '@dish-live/protocol';
import { WebhookLimitError } from '@dish-live/webhooks';
import {
  HttpProblem, isRedisUnavailable, RETRY_AFTER_SECONDS, sendProblem, type FieldError, type Logger,
} from '@dish-live/server';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export class RedisUnavailableError extends Error {
  constructor(cause?: unknown) {
    super('Redis is unreachable', { cause });
    this.name = 'RedisUnavailableError';
  }
}

export const badRequest = (detail: string, errors?: FieldError[]) =>
  new HttpProblem(400, 'validation', 'Invalid request', detail, errors ? { errors } : {});

export const notFound = (detail: string) => new HttpProblem(404, 'not-found', 'Not found', detail);

/** zod issues as {path, message}; an unknown field is reported at its own path. */
export function fieldErrors(err: ZodError): FieldError[] {
  return err.issues.flatMap((issue) => {
    const base = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...base, key].join('.'), message: 'unknown field' }));
    }
    return [{ path: base.join('.'), message: issue.message }];
  });
}

/** Errors express and body-parser raise for bad requests: body-parser marks its own with a `type`. */
function frameworkProblem(err: unknown): HttpProblem | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  switch ('type' in err ? err.type : undefined) {
    case 'entity.parse.failed':
      return new HttpProblem(400, 'bad-json', 'Malformed JSON', 'the request body is not valid JSON');
    case 'entity.too.large':
      return new HttpProblem(413, 'too-large', 'Payload too large', `JSON bodies are at most ${LIMITS.jsonBodyBytes} bytes`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpProblem(415, 'unsupported-media-type', 'Unsupported media type', 'send UTF-8 JSON');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new HttpProblem(400, 'bad-body', 'Bad request body', 'the request body could not be read');
    default:
      return clientError(err);
  }
}

/**
 * Any other 4xx that express or body-parser raise (a malformed percent-encoding in the path, a body that does not
 * decompress) keeps its status: bad input is never a 5xx.
 */
function clientError(err: object): HttpProblem | undefined {
  const status = 'status' in err ? err.status : 'statusCode' in err ? err.statusCode : undefined;
  if (typeof status !== 'number' || status < 400 || status > 499) return undefined;
  const expose = 'expose' in err && err.expose === true && err instanceof Error;
  return new HttpProblem(status, 'bad-request', 'Bad request', expose ? err.message : 'the request could not be read');
}

function toProblem(err: unknown): HttpProblem | undefined {
  if (err instanceof HttpProblem) return err;
  if (err instanceof ZodError) return badRequest('the request does not match the expected shape', fieldErrors(err));
  if (err instanceof DishNotFoundError) return new HttpProblem(404, 'dish-not-found', 'Dish not found', err.message);
  if (err instanceof DishExistsError) return new HttpProblem(409, 'dish-exists', 'Dish exists', err.message);
  if (err instanceof RestaurantExistsError) return new HttpProblem(409, 'restaurant-exists', 'Restaurant exists', err.message);
  if (err instanceof OrderMismatchError) {
    return new HttpProblem(409, 'order-id-reused', 'Order id reused', `${err.message}; use a new orderId for a new order`);
  }
  if (err instanceof WebhookLimitError) {
    return new HttpProblem(409, 'webhook-limit', 'Too many webhooks', `${err.message}; remove one before adding another`);
  }
  if (err instanceof VersionConflictError) {
    return new HttpProblem(409, 'version-conflict', 'Version conflict', err.message, { extensions: { currentVersion: err.current } });
  }
  if (err instanceof ReplicationTimeoutError) {
    // Honest: the write may or may not have been applied; If-Match (dishes) or the same orderId (orders) settles it.
    return new HttpProblem(503, 'replicas-unconfirmed', 'Service unavailable',
      `${err.message}: the write may or may not have been applied; retry with If-Match (dishes) or the same orderId (orders)`, {
        headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
      });
  }
  if (err instanceof RedisUnavailableError || isRedisUnavailable(err)) {
    return new HttpProblem(503, 'redis-unavailable', 'Service unavailable', 'the event store is unreachable; retry shortly', {
      headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
    });
  }
  return frameworkProblem(err);
}

/** The one place an error becomes an HTTP answer. Anything unknown is a logged 500 that reveals nothing. */
export function problemHandler(log: Logger, redisDown: () => boolean): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    let problem = toProblem(err);
    // An unexpected failure while Redis is down is Redis being down, whatever the client library called it.
    if (!problem && redisDown()) problem = toProblem(new RedisUnavailableError(err));
    if (!problem) {
      log.error({ err, method: req.method, url: req.originalUrl }, 'unhandled error');
      problem = new HttpProblem(500, 'internal', 'Internal server error', 'the server failed to answer; it has been logged');
    } else if (problem.status >= 500) {
      log.warn({ err, method: req.method, url: req.originalUrl, status: problem.status }, problem.detail);
    }
    sendProblem(res, problem, problem.headers);
  };
}

export const routeNotFound: RequestHandler = (req) => {
  throw new HttpProblem(404, 'route-not-found', 'Not found', `no route for ${req.method} ${req.path}`);
};

/** For a path that exists under other methods. */
export function methodNotAllowed(allowed: readonly string[]): RequestHandler {
  return (req) => {
    throw new HttpProblem(405, 'method-not-allowed', 'Method not allowed', `${req.method} is not allowed here`, {
      headers: { Allow: allowed.join(', ') },
    });
  };
}
