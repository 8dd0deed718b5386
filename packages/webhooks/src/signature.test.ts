import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { newWebhookSecret, sign, webhookHeaders } from './signature.js';

const body = JSON.stringify({ type: 'dish.sold_out', timestamp: '2025-01-01T19:40:00.000Z', data: { dish: '鸭' } });

describe('newWebhookSecret', () => {
  it('is whsec_ and base64 of 32 random bytes, different every time', () => {
    const secrets = new Set(Array.from({ length: 50 }, newWebhookSecret));
    expect(secrets.size).toBe(50);
    for (const secret of secrets) {
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    }
  });
});

describe('sign', () => {
  it('matches the reference implementation byte for byte', () => {
    const secret = newWebhookSecret();
    const timestamp = 1_735_760_400;
    expect(sign({ id: 'msg_abc', timestamp, body, secret })).toBe(
      new Webhook(secret).sign('msg_abc', new Date(timestamp * 1000), body),
    );
  });

  it('matches the specification example', () => {
    // The example from the Standard Webhooks specification.
    const signature = sign({
      id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      timestamp: 1614265330,
      body: '{"test": 2432232314}',
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    });
    expect(signature).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('refuses secrets that are not whsec_ + base64 of 24 bytes or more, and fractional timestamps', () => {
    const secret = newWebhookSecret();
    for (const bad of ['', secret.slice(6), 'whsec_' + Buffer.alloc(16).toString('base64'), secret.slice(0, -5), secret + '!']) {
      expect(() => sign({ id: 'msg_1', timestamp: 1, body, secret: bad })).toThrow(TypeError);
    }
    expect(() => sign({ id: 'msg_1', timestamp: 1.5, body, secret })).toThrow(RangeError);
  });
});

describe('webhookHeaders', () => {
  it('carries id, timestamp in seconds, signature and JSON content type', () => {
    const secret = newWebhookSecret();
    const before = Math.floor(Date.now() / 1000);
    const headers = webhookHeaders({ id: 'msg_1', body, secret });
    const after = Math.floor(Date.now() / 1000);
    expect(Object.keys(headers).sort()).toEqual(['content-type', 'webhook-id', 'webhook-signature', 'webhook-timestamp']);
    expect(headers['content-type']).toBe('application/json');
    expect(headers['webhook-id']).toBe('msg_1');
    expect(Number(headers['webhook-timestamp'])).toBeGreaterThanOrEqual(before);
    expect(Number(headers['webhook-timestamp'])).toBeLessThanOrEqual(after);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
  });

  it('is accepted by the standardwebhooks verifier, which rejects a tampered body, timestamp, id or secret', () => {
    const secret = newWebhookSecret();
    const headers = webhookHeaders({ id: 'msg_1', body, secret });
    const verifier = new Webhook(secret);
    expect(verifier.verify(body, { ...headers })).toEqual(JSON.parse(body));

    const earlier = String(Number(headers['webhook-timestamp']) - 1);
    expect(() => verifier.verify(body.replace('sold_out', 'back_in_stock'), { ...headers })).toThrow(/signature/i);
    expect(() => verifier.verify(body, { ...headers, 'webhook-timestamp': earlier })).toThrow(/signature/i);
    expect(() => verifier.verify(body, { ...headers, 'webhook-id': 'msg_2' })).toThrow(/signature/i);
    expect(() => new Webhook(newWebhookSecret()).verify(body, { ...headers })).toThrow(/signature/i);
  });

  it('is refused by the verifier when signed too long ago: each attempt must be signed afresh', () => {
    const secret = newWebhookSecret();
    const stale = webhookHeaders({ id: 'msg_1', body, secret, timestamp: Math.floor(Date.now() / 1000) - 600 });
    expect(() => new Webhook(secret).verify(body, { ...stale })).toThrow(/timestamp/i);
  });
});
