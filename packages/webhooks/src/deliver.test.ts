// Every connection here goes to a receiver this file starts on loopback; the guard lets it through by allowHosts.
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { alertPayload, alertPayloadSchema, webhookMessageId } from './alert-message.js';
import { parseAllowHosts, resolveAndCheck } from './address-guard.js';
import { deliverOnce, type DeliveryRequest } from './deliver.js';
import { newWebhookSecret, webhookHeaders } from './signature.js';
import { startReceiver, type Handler, type Receiver } from './receiver.test-helpers.js';

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

async function receiver(handler: Handler, options: { host?: string; tls?: boolean } = {}): Promise<Receiver> {
  const started = await startReceiver(handler, options);
  receivers.push(started);
  return started;
}

const answer =
  (status: number, body = '', headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, headers).end(body);
  };

function attempt(r: Receiver, overrides: Partial<DeliveryRequest> = {}): DeliveryRequest {
  return {
    url: `http://127.0.0.1:${r.port}/hooks/dish?tenant=1`,
    address: '127.0.0.1',
    headers: { 'content-type': 'application/json' },
    body: '{"hello":"世界"}',
    timeoutMs: 2000,
    maxBodyBytes: 4096,
    ...overrides,
  };
}

describe('deliverOnce', () => {
  it('POSTs the exact body to the path and query, and a 2xx is delivered', async () => {
    const r = await receiver(answer(200, 'thanks'));
    const result = await deliverOnce(attempt(r));
    expect(result).toMatchObject({ status: 200, ok: true, gone: false, retryable: false, bodyPreview: 'thanks' });
    expect(result.error).toBeUndefined();
    expect(result.ms).toBeGreaterThanOrEqual(0);
    expect(r.received).toHaveLength(1);
    expect(r.received[0]).toMatchObject({ method: 'POST', path: '/hooks/dish?tenant=1', body: '{"hello":"世界"}' });
    expect(r.received[0]?.headers['content-length']).toBe(String(Buffer.byteLength('{"hello":"世界"}')));
    expect(r.received[0]?.headers.host).toBe(`127.0.0.1:${r.port}`);
  });

  it('carries a signed alert that the standardwebhooks verifier on the receiver accepts', async () => {
    const secret = newWebhookSecret();
    const verified: unknown[] = [];
    const r = await receiver((req, res) => {
      try {
        verified.push(alertPayloadSchema.parse(new Webhook(secret).verify(req.body, req.headers as Record<string, string>)));
        res.writeHead(204).end();
      } catch (error) {
        res.writeHead(401).end(String(error));
      }
    });
    const payload = alertPayload({
      type: 'dish.sold_out',
      restaurant: 'default',
      dish: { id: 'duck', name: '烤鸭', stock: 0 },
      eventId: '1735760400000-0',
      ts: 1_735_760_400_000,
    });
    const body = JSON.stringify(payload);
    const id = webhookMessageId('default/1735760400000-0/dish.sold_out', 'wh_1');
    const result = await deliverOnce(attempt(r, { body, headers: { ...webhookHeaders({ id, body, secret }) } }));
    expect(result).toMatchObject({ status: 204, ok: true });
    expect(verified).toEqual([payload]);
    expect(r.received[0]?.headers['webhook-id']).toBe(id);

    const forged = await deliverOnce(attempt(r, { body, headers: { ...webhookHeaders({ id, body, secret: newWebhookSecret() }) } }));
    expect(forged).toMatchObject({ status: 401, ok: false, retryable: true });
    expect(verified).toHaveLength(1);
  });

  it('reaches a URL by name at the checked address without asking DNS again, keeping the name in Host', async () => {
    const r = await receiver(answer(202));
    // receiver.test is reserved (RFC 6761) and resolves nowhere: only the given address can have been used.
    const result = await deliverOnce(attempt(r, { url: `http://receiver.test:${r.port}/x`, address: '127.0.0.1' }));
    expect(result).toMatchObject({ status: 202, ok: true });
    expect(r.received[0]?.headers.host).toBe(`receiver.test:${r.port}`);
  });

  it('delivers to the address resolveAndCheck returned for an allowed host', async () => {
    const r = await receiver(answer(200));
    const allowHosts = parseAllowHosts(`receiver.test:${r.port}`);
    const lookup = () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
    const check = await resolveAndCheck(`http://receiver.test:${r.port}/hook`, { allowHosts, lookup });
    if (!check.ok) throw new Error(check.detail);
    const result = await deliverOnce(attempt(r, { url: check.url, address: check.address }));
    expect(result).toMatchObject({ status: 200, ok: true });
  });

  it('reaches an IPv6 loopback receiver', async (context) => {
    const r = await receiver(answer(200), { host: '::1' }).catch(() => undefined);
    if (!r) return context.skip('no IPv6 loopback on this machine');
    const result = await deliverOnce(attempt(r, { url: `http://[::1]:${r.port}/`, address: '::1' }));
    expect(result).toMatchObject({ status: 200, ok: true });
    expect(r.received[0]?.headers.host).toBe(`[::1]:${r.port}`);
  });

  it('counts a 500 as a retryable failure and keeps the start of its body', async () => {
    const r = await receiver(answer(500, 'database is down'));
    expect(await deliverOnce(attempt(r))).toMatchObject({
      status: 500,
      ok: false,
      gone: false,
      retryable: true,
      bodyPreview: 'database is down',
    });
  });

  it('counts a 410 as gone and not retryable', async () => {
    const r = await receiver(answer(410, 'unsubscribed'));
    expect(await deliverOnce(attempt(r))).toMatchObject({ status: 410, ok: false, gone: true, retryable: false });
  });

  it('does not follow a redirect: one request, a retryable failure naming where it pointed', async () => {
    const r = await receiver((req, res) => {
      if (req.path === '/elsewhere') res.writeHead(200).end();
      else res.writeHead(307, { location: '/elsewhere' }).end();
    });
    const result = await deliverOnce(attempt(r));
    expect(result).toMatchObject({ status: 307, ok: false, gone: false, retryable: true });
    expect(result.error).toBe('redirect to /elsewhere not followed');
    expect(r.received.map((req) => req.path)).toEqual(['/hooks/dish?tenant=1']);
  });

  it('gives up on a receiver that never answers after the timeout, as a retryable failure', async () => {
    const r = await receiver(() => undefined);
    const result = await deliverOnce(attempt(r, { timeoutMs: 300 }));
    expect(result).toMatchObject({ status: null, ok: false, retryable: true, error: 'timeout after 300 ms', bodyPreview: '' });
    expect(result.ms).toBeGreaterThanOrEqual(290);
    expect(result.ms).toBeLessThan(1500);
    expect(r.received).toHaveLength(1);
  });

  it('ends at the attempt’s deadline when its DNS lookup used part of the budget, and at once when it used all', async () => {
    const r = await receiver(() => undefined);
    // The attempt began 200 ms before this call (its lookup): 100 ms of the 300 are left.
    const started = performance.now();
    const result = await deliverOnce({ ...attempt(r, { timeoutMs: 300 }), signal: AbortSignal.timeout(100) });
    expect(result).toMatchObject({ status: null, retryable: true, error: 'timeout after 300 ms' });
    expect(performance.now() - started).toBeLessThan(250);
    const spent = AbortSignal.abort();
    expect(await deliverOnce({ ...attempt(r, { timeoutMs: 300 }), signal: spent })).toMatchObject({ status: null, error: 'timeout after 300 ms' });
    expect(r.received, 'nothing is sent once the budget is spent').toHaveLength(1);
  });

  it('keeps a 2xx whose body never ends as delivered once the deadline passes', async () => {
    const r = await receiver((_req, res) => {
      res.writeHead(200);
      res.write('ok…');
    });
    const result = await deliverOnce(attempt(r, { timeoutMs: 300 }));
    expect(result).toMatchObject({ status: 200, ok: true, retryable: false, bodyPreview: 'ok…' });
    expect(result.error).toBeUndefined();
  });

  it('reads at most maxBodyBytes of a huge streamed body, then hangs up', async () => {
    let streamed = 0;
    let closed: Promise<unknown> | undefined;
    const r = await receiver((_req, res: ServerResponse) => {
      closed = once(res, 'close');
      const chunk = Buffer.alloc(64 * 1024, 'x');
      res.writeHead(200, { 'content-type': 'text/plain' });
      const pump = () => {
        while (!res.destroyed && streamed < 1024 ** 3 && res.write(chunk)) streamed += chunk.length;
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    const result = await deliverOnce(attempt(r, { maxBodyBytes: 4096, timeoutMs: 10_000 }));
    expect(result).toMatchObject({ status: 200, ok: true });
    expect(result.bodyPreview).toBe('x'.repeat(4096));
    expect(result.ms).toBeLessThan(2000);
    await closed;
    expect(streamed).toBeLessThan(64 * 1024 * 1024);
  });

  it('says why when nothing listens, retryable', async () => {
    const r = await startReceiver(answer(200));
    await r.close();
    expect(await deliverOnce(attempt(r))).toMatchObject({ status: null, ok: false, retryable: true, error: 'ECONNREFUSED' });
  });

  it('offers the URL name for TLS (SNI), checks the certificate against it, and fails retryably when it is not trusted', async () => {
    const r = await receiver(answer(200), { tls: true });
    const result = await deliverOnce(attempt(r, { url: `https://receiver.test:${r.port}/hook`, address: '127.0.0.1' }));
    expect(result).toMatchObject({ status: null, ok: false, retryable: true, error: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(await r.handshake()).toBe('receiver.test');
    expect(r.serverNames).toEqual(['receiver.test']);
    expect(r.received).toHaveLength(0);
  });

  it('sends no server name to an IP literal over TLS', async () => {
    const r = await receiver(answer(200), { tls: true });
    const result = await deliverOnce(attempt(r, { url: `https://127.0.0.1:${r.port}/hook` }));
    expect(result).toMatchObject({ status: null, ok: false, retryable: true });
    expect(await r.handshake()).toBeUndefined();
    expect(r.serverNames).toEqual([undefined]);
  });
});
