// Standard Webhooks signing: the secret's form, the v1 signature and the headers every delivery attempt carries.
import { createHmac, randomBytes } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';

/** 32 bytes: the key as long as HMAC-SHA256's output, within the 24–64 bytes the specification asks for. */
const SECRET_BYTES = 32;
const MIN_SECRET_BYTES = 24;

export function newWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

export interface SignInput {
  /** The `webhook-id`: one per message, the same on every attempt. */
  id: string;
  /** Seconds since the epoch, as `webhook-timestamp` carries it. */
  timestamp: number;
  /** The exact body sent: the signature covers these characters. */
  body: string;
  secret: string;
}

/** `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, keyed with the decoded secret. */
export function sign({ id, timestamp, body, secret }: SignInput): string {
  if (!Number.isSafeInteger(timestamp)) throw new RangeError('webhook timestamp must be whole seconds');
  const mac = createHmac('sha256', secretKey(secret)).update(`${id}.${timestamp}.${body}`).digest('base64');
  return `v1,${mac}`;
}

export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
  'content-type': 'application/json';
}

/**
 * The headers of one attempt. The timestamp defaults to now: receivers refuse old ones (five minutes in the reference
 * verifier) against replay, so each retry is signed afresh while its `webhook-id` stays the same.
 */
export function webhookHeaders(input: Omit<SignInput, 'timestamp'> & { timestamp?: number }): WebhookHeaders {
  const timestamp = input.timestamp ?? Math.floor(Date.now() / 1000);
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': sign({ ...input, timestamp }),
    'content-type': 'application/json',
  };
}

function secretKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : '';
  const key = Buffer.from(encoded, 'base64');
  // Buffer's decoder skips what is not base64; re-encoding catches a secret that was cut or mangled.
  if (key.length < MIN_SECRET_BYTES || key.toString('base64') !== encoded) {
    throw new TypeError(`a webhook secret is "${SECRET_PREFIX}" + base64 of at least ${MIN_SECRET_BYTES} bytes`);
  }
  return key;
}
