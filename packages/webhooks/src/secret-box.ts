// Webhook secrets at rest. Signing needs the secret itself (HMAC), so it cannot be kept as a digest like a token:
// with WEBHOOK_SECRET_KEY set it is sealed with AES-256-GCM, so a copy of Redis (a backup, a replica, a dump) does
// not let anyone sign as Dish Live; without the key it is kept as is, and the services say so when they start.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const SEALED = 'v1:';
const PLAIN = 'plain:';

export class SecretKeyError extends Error {}

/** WEBHOOK_SECRET_KEY: 32 bytes as 64 hex digits or base64 (44 characters). Undefined when unset or empty. */
export function parseSecretKey(value: string | undefined): Buffer | undefined {
  if (value === undefined || value === '') return undefined;
  const key = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (key.length !== 32 || (!/^[0-9a-fA-F]{64}$/.test(value) && key.toString('base64') !== value)) {
    throw new SecretKeyError('WEBHOOK_SECRET_KEY must be 32 bytes: 64 hex digits or 44 base64 characters (openssl rand -base64 32)');
  }
  return key;
}

/** The stored form of a secret: `v1:<iv>:<tag>:<ciphertext>` (base64) with a key, `plain:<secret>` without. */
export function sealSecret(secret: string, key: Buffer | undefined): string {
  if (!key) return PLAIN + secret;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return SEALED + [iv, cipher.getAuthTag(), body].map((part) => part.toString('base64')).join(':');
}

/** The secret back. A sealed one needs the key it was sealed with: a missing or different key throws, naming it. */
export function openSecret(stored: string, key: Buffer | undefined): string {
  if (stored.startsWith(PLAIN)) return stored.slice(PLAIN.length);
  if (!stored.startsWith(SEALED)) throw new SecretKeyError('unknown form of a stored webhook secret');
  if (!key) throw new SecretKeyError('a webhook secret is sealed but WEBHOOK_SECRET_KEY is not set');
  const [iv, tag, body] = stored.slice(SEALED.length).split(':').map((part) => Buffer.from(part, 'base64'));
  if (!iv || !tag || !body) throw new SecretKeyError('a stored webhook secret is damaged');
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretKeyError('a webhook secret does not open with WEBHOOK_SECRET_KEY (was the key changed?)');
  }
}
