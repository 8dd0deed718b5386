// Request input at the edge: the JSON body parser, the body a write needs, and the If-Match precondition.
import express, { type Request, type RequestHandler } from 'express';
import { LIMITS } from '@dish-live/protocol';
import { HttpProblem } from '@dish-live/server';
import { badRequest } from './http-errors.js';

const JSON_TYPES = ['application/json', 'application/*+json'];

/** Mounted per write route, after the token check, so a refused client never gets its body read. */
export const jsonParser: RequestHandler = express.json({ limit: LIMITS.jsonBodyBytes, strict: true, type: JSON_TYPES });

const LONE_SURROGATE = /\p{Cs}/u;

/** A position in a JSON value, kept as a chain so a deep body costs no path strings until one is reported. */
interface At {
  parent: At | undefined;
  key: string | number;
}

const pathOf = (at: At | undefined): string => {
  const keys: (string | number)[] = [];
  for (let a = at; a; a = a.parent) keys.push(a.key);
  return keys.reverse().join('.');
};

/**
 * Where a JSON value holds a string (or key) that is not well-formed Unicode: a lone surrogate, which JSON can
 * carry as an escape (`"\ud800"`) but UTF-8 cannot, so Redis would store U+FFFD in its place and the write would
 * silently differ from what was sent. Iterative, since a body may nest thousands of levels deep.
 */
export function illFormedPath(value: unknown): string | undefined {
  const stack: [unknown, At | undefined][] = [[value, undefined]];
  while (stack.length > 0) {
    const [v, at] = stack.pop()!;
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) return pathOf(at);
    } else if (Array.isArray(v)) {
      v.forEach((inner, key) => stack.push([inner, { parent: at, key }]));
    } else if (v !== null && typeof v === 'object') {
      for (const [key, inner] of Object.entries(v)) {
        if (LONE_SURROGATE.test(key)) return pathOf({ parent: at, key });
        stack.push([inner, { parent: at, key }]);
      }
    }
  }
  return undefined;
}

/** The parsed JSON body; a body of another type is a 415, a missing one (or one with a lone surrogate) a 400. */
export function jsonBody(req: Request): unknown {
  if (req.body !== undefined) {
    const bad = illFormedPath(req.body);
    if (bad !== undefined) {
      throw badRequest('the request body holds text that is not well-formed Unicode', [
        { path: bad, message: 'a lone surrogate (an unpaired \\uD800–\\uDFFF escape) is not text' },
      ]);
    }
    return req.body as unknown;
  }
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
