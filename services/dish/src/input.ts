// Request input at the edge: the JSON body parser, the body a write needs, and the If-Match precondition.
import express, { type Request, type RequestHandler } from 'express';
import { LIMITS } from '@dish-live/protocol';
import { badRequest, HttpProblem } from './problem.js';

const JSON_TYPES = ['application/json', 'application/*+json'];

/** Mounted per write route, after the token check, so a refused client never gets its body read. */
export const jsonParser: RequestHandler = express.json({ limit: LIMITS.jsonBodyBytes, strict: true, type: JSON_TYPES });

/** The parsed JSON body; a body of another type is a 415, a missing one a 400. */
export function jsonBody(req: Request): unknown {
  if (req.body !== undefined) return req.body as unknown;
  if (req.get('content-type') !== undefined && !req.is(JSON_TYPES)) {
    throw new HttpProblem(415, 'unsupported-media-type', 'Unsupported media type', 'send the body as application/json');
  }
  throw badRequest('this request needs a JSON body', [{ path: '', message: 'a JSON body is required' }]);
}

/** `If-Match: 3`, `"3"` or `W/"3"` → 3; absent or `*` → undefined (any version). Anything else is a 400. */
export function ifMatchVersion(req: Request): number | undefined {
  const header = req.get('if-match')?.trim();
  if (header === undefined || header === '' || header === '*') return undefined;
  const match = /^(?:W\/)?(?:"(\d{1,15})"|(\d{1,15}))$/.exec(header);
  if (!match) {
    throw badRequest('If-Match must name one dish version', [
      { path: 'If-Match', message: 'expected a version such as 3 or "3"' },
    ]);
  }
  return Number(match[1] ?? match[2]);
}
