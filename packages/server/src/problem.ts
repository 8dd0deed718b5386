// Errors as application/problem+json (RFC 9457): the one body every service answers a refusal or a failure with.
import type { ServerResponse } from 'node:http';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface FieldError {
  path: string;
  message: string;
}

export interface Problem {
  status: number;
  /** Names the kind of problem: the body's `type` is `urn:dish-live:problem:<slug>`. */
  slug: string;
  title: string;
  detail: string;
  errors?: FieldError[] | undefined;
  /** Members beside the standard ones (`code`, `field`, `currentVersion`). */
  extensions?: Record<string, unknown> | undefined;
}

/** The problem's JSON body; extensions never override the standard members. */
export function problemJson({ status, slug, title, detail, errors, extensions }: Problem): string {
  return JSON.stringify({ ...extensions, type: `urn:dish-live:problem:${slug}`, title, status, detail, ...(errors ? { errors } : {}) });
}

const REASONS: Readonly<Record<number, string>> = {
  200: 'OK', 204: 'No Content', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type',
  429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

/** The status line's text (`404 Not Found`), for servers that write it themselves (uWS). */
export function statusLine(status: number): string {
  return `${status} ${REASONS[status] ?? 'Error'}`;
}

/** An error that already knows its answer: handlers throw it, one error handler per service writes it. */
export class HttpProblem extends Error implements Problem {
  readonly errors: FieldError[] | undefined;
  readonly extensions: Record<string, unknown> | undefined;
  readonly headers: Record<string, string>;

  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail: string,
    options: { errors?: FieldError[]; headers?: Record<string, string>; extensions?: Record<string, unknown> } = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
    this.errors = options.errors;
    this.extensions = options.extensions;
    this.headers = options.headers ?? {};
  }
}

/** Writes a problem on a node:http (or express) response; headers set before (security, CORS) are kept. */
export function sendProblem(res: ServerResponse, problem: Problem, headers: Record<string, string> = {}): void {
  const body = problemJson(problem);
  // A length, not chunks: the answer is complete once read, and the connection stays usable for the next request.
  res.writeHead(problem.status, { ...headers, 'Content-Type': PROBLEM_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
