// Bearer-token check for the deployment's write tokens (DISH_API_TOKENS): compared in constant time over their SHA-256 digests.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

/** `disabled`: no token is configured, so no write can be authorized. */
export type TokenVerdict = 'ok' | 'missing' | 'invalid' | 'disabled';

const HASHED = /^sha256:([0-9a-f]{64})$/i;

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();

/** The token of an `Authorization: Bearer <token>` header; undefined for any other header or none. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
}

/**
 * Names a client by its token without keeping the token: the hex SHA-256 of the presented bearer token, or
 * undefined when the request has none. Used for per-token rate limits, whose keys live in Redis.
 */
export function tokenId(req: Request): string | undefined {
  const token = bearerToken(req.get('authorization'));
  return token === undefined ? undefined : digest(token).toString('hex');
}

/**
 * A configured entry is a token, or `sha256:<64 hex>`: the SHA-256 of a token, so the configuration need not hold
 * the secret. Either way the service keeps only digests, and hashes what a client presents before comparing.
 * Digests make every comparison the same length, so neither the length nor the content of a token leaks through
 * timing; every configured token is compared, so neither does which one matched.
 */
export function createTokenCheck(tokens: readonly string[]): (authorization: string | undefined) => TokenVerdict {
  const digests = tokens.map((t) => {
    const hashed = HASHED.exec(t);
    return hashed ? Buffer.from(hashed[1]!, 'hex') : digest(t);
  });
  return (authorization) => {
    if (digests.length === 0) return 'disabled';
    const token = bearerToken(authorization);
    if (token === undefined) return 'missing';
    const offered = digest(token);
    let ok = false;
    for (const known of digests) ok = timingSafeEqual(offered, known) || ok;
    return ok ? 'ok' : 'invalid';
  };
}
