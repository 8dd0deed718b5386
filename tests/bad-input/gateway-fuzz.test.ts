// Bad input, property-based and by a table of nasty cases: random and broken WebSocket frames, random SSE queries and
// Last-Event-IDs. Never a 5xx, never a crash, never a state change on a rejected message, and every accepted chat
// round-trips through WebSocket and through SSE framing and SseParser as the same JSON.
import { get } from 'node:http';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLog } from '@dish-live/broker';
import { decodeClientMessage, SseParser, type ChatMessageEvent, type ServerMessage } from '@dish-live/protocol';
import { events, probe, RawSse, RawWs, recordFigures, startGateway, testRedis, waitFor, within, WsClient, type Gateway } from '@dish-live/test-support';

const { url, prefix } = testRedis('gwf-fuzz');
let redis: Redis;
let log: EventLog;
let ws: Gateway;
let sse: Gateway;
let wsWatch: WsClient;
let sseWatch: ParsingSse;
const tally = { badInputsTried: 0, fiveXx: 0 };

/** An SSE client over http.get that parses with the protocol's SseParser and counts frames that are not valid JSON. */
class ParsingSse {
  readonly messages: ServerMessage[] = [];
  readonly unparsable: string[] = [];
  readonly opened: Promise<void>;
  readonly #req;

  constructor(target: string) {
    const parser = new SseParser({
      onEvent: (e) => {
        try {
          const m = JSON.parse(e.data) as ServerMessage;
          if (m.type !== e.event) this.unparsable.push(`event ${e.event} carries ${m.type}`);
          this.messages.push(m);
        } catch {
          this.unparsable.push(e.data);
        }
      },
    });
    this.#req = get(target, { agent: false });
    this.opened = new Promise((resolve, reject) => {
      this.#req.once('response', (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => parser.feed(chunk));
        resolve();
      });
      this.#req.once('error', reject);
    });
  }

  close(): void {
    this.#req.destroy();
  }
}

const streamLength = () => redis.xlen(log.keys.events);

beforeAll(async () => {
  redis = new Redis(url);
  log = new EventLog(redis, { prefix });
  await log.createDish({ id: 'f1', name: 'Fuzz', category: 'soup', price: 100, stock: 1_000_000 });
  // Chat limits far out of the way: this file is about what a message may contain, not how many.
  const env = { REDIS_URL: url, KEY_PREFIX: prefix, CHAT_RATE: '100000', CHAT_BURST: '100000' };
  [ws, sse] = await Promise.all([startGateway('ws', env), startGateway('sse', env)]);
  wsWatch = new WsClient(ws.url);
  sseWatch = new ParsingSse(sse.url);
  await Promise.all([wsWatch.opened, sseWatch.opened]);
  await waitFor('watchers’ snapshots', () => wsWatch.messages[0] && sseWatch.messages[0]);
});

afterAll(async () => {
  const crashes = [ws, sse].filter((g) => g && g.child.exitCode !== null).length;
  recordFigures(import.meta.url, { badInputsTried: tally.badInputsTried, fiveXxSeen: tally.fiveXx, crashes });
  wsWatch?.close();
  sseWatch?.close();
  await Promise.all([ws?.stop(), sse?.stop()]);
  redis?.disconnect();
});

/** Both gateways answer /healthz, and both watchers still receive a fresh event. */
async function everyoneStillServed(): Promise<void> {
  for (const g of [ws, sse]) {
    expect(await probe(g.port, '/healthz', tally)).toBe(200);
    expect(g.child.exitCode).toBeNull();
  }
  const before = [events(wsWatch).length, sseWatch.messages.length];
  await log.updateDish('f1', { stock: Math.floor(Math.random() * 1_000_000) });
  await waitFor('the watchers to get a fresh event', () => events(wsWatch).length > before[0]! && sseWatch.messages.length > before[1]!, 5000);
  expect(sseWatch.unparsable).toEqual([]);
}

const anyValue = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.jsonValue({ maxDepth: 2 }));

/** Text frames: random text, JSON of anything, and objects shaped like client messages with random fields. */
const textFrame = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 100 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc
    .record(
      {
        op: fc.constantFrom('hello', 'ping', 'chat', '', 'HELLO', 'pong', '__proto__'),
        since: anyValue, maxRate: anyValue, categories: anyValue, token: anyValue, t: anyValue, author: anyValue, text: anyValue, extra: anyValue,
      },
      { requiredKeys: ['op'] },
    )
    .map((v) => JSON.stringify(v)),
  fc.constantFrom('', ' ', 'null', '{}', '[]', '{"op":null}', '{"op":"chat"}', '{"__proto__":{"op":"ping"}}', '{"op":"ping","t":1e309}', '{"op":"ping"'),
);

describe('websocket gateway, random frames', () => {
  it('answers every random text or binary frame with exactly the error a local decode predicts, and changes no state on a refusal', async () => {
    const c = new WsClient(ws.url);
    await c.opened;
    await waitFor('snapshot', () => c.messages[0]);
    let marker = 0;
    const frame = fc.oneof({ arbitrary: textFrame.map((text) => ({ text, binary: false as const })), weight: 5 }, fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ bytes, binary: true as const })));
    await fc.assert(
      fc.asyncProperty(frame, async (f) => {
        tally.badInputsTried++;
        // What the wire carries: the ws library sends a string as UTF-8, a lone surrogate as U+FFFD.
        const decoded = f.binary ? decodeClientMessage(f.bytes, true) : decodeClientMessage(Buffer.from(f.text).toString('utf8'));
        const acceptedChat = decoded.ok && decoded.message.op === 'chat';
        const errorsBefore = c.messages.filter((m) => m.type === 'error').length;
        const lengthBefore = await streamLength();
        if (f.binary) c.ws.send(f.bytes, { binary: true });
        else c.ws.send(f.text);
        const t = ++marker;
        c.send({ op: 'ping', t });
        await waitFor(`pong ${t}`, () => c.messages.some((m) => m.type === 'pong' && m.t === t), 5000);
        const newErrors = c.messages.filter((m) => m.type === 'error').slice(errorsBefore);
        if (decoded.ok) expect(newErrors.filter((e) => e.code !== 'unauthorized')).toEqual([]);
        else expect(newErrors.map((e) => e.code)).toEqual([decoded.error.code]);
        if (acceptedChat) await waitFor('the accepted chat in the log', async () => (await streamLength()) === lengthBefore + 1 || undefined, 5000);
        else expect(await streamLength()).toBe(lengthBefore);
        expect(c.closed).toBe(false);
      }),
      { numRuns: 300 },
    );
    c.close();
    await everyoneStillServed();
  }, 120_000);
});

/** One nasty raw-frame case: what to send after the upgrade, and what must follow. */
interface FrameCase {
  name: string;
  send(c: RawWs): void;
  /** closed: the server ends the connection (any code); answered: it replies with a message containing `reply`. */
  expect: { closed: true } | { reply: string };
}

const big = (n: number) => Buffer.alloc(n, 0x61);
const FRAME_CASES: FrameCase[] = [
  { name: 'a valid message in two fragments', send: (c) => { c.frame(1, Buffer.from('{"op":"pi'), { fin: false }); c.frame(0, Buffer.from('ng","t":7}')); }, expect: { reply: '"t":7' } },
  { name: 'a ping between two fragments (legal)', send: (c) => { c.frame(1, Buffer.from('{"op":"ping",'), { fin: false }); c.frame(9, Buffer.from('hi')); c.frame(0, Buffer.from('"t":8}')); }, expect: { reply: '"t":8' } },
  { name: 'a message in 500 one-byte fragments', send: (c) => { const b = Buffer.from(`{"op":"ping","t":9${' '.repeat(480)}}`); for (let i = 0; i < b.length; i++) c.frame(i === 0 ? 1 : 0, b.subarray(i, i + 1), { fin: i === b.length - 1 }); }, expect: { reply: '"t":9' } },
  { name: 'a continuation with nothing to continue', send: (c) => c.frame(0, Buffer.from('{"op":"ping"}')), expect: { closed: true } },
  { name: 'a new text frame inside an unfinished message', send: (c) => { c.frame(1, Buffer.from('{"op":'), { fin: false }); c.frame(1, Buffer.from('"ping"}')); }, expect: { closed: true } },
  { name: 'invalid UTF-8 in a text frame', send: (c) => c.frame(1, Buffer.from([0x7b, 0xc3, 0x28, 0x7d])), expect: { closed: true } },
  { name: 'invalid UTF-8 split across fragments', send: (c) => { c.frame(1, Buffer.from([0x22, 0xe2, 0x82]), { fin: false }); c.frame(0, Buffer.from([0x28, 0x22])); }, expect: { closed: true } },
  { name: 'a ping with a 200-byte payload (control frames carry ≤ 125)', send: (c) => c.frame(9, big(200)), expect: { closed: true } },
  { name: 'a fragmented ping', send: (c) => c.frame(9, Buffer.from('x'), { fin: false }), expect: { closed: true } },
  // uWS does not look at the MASK bit: it reads an unmasked frame as if masked, falls out of step, and closes at the
  // next frame. Nothing of the unmasked frame is ever acted on.
  { name: 'an unmasked client frame, then a masked one', send: (c) => { c.frame(1, Buffer.from('{"op":"chat","author":"u","text":"unmasked"}'), { mask: false }); c.frame(1, Buffer.from('{"op":"ping","t":5}')); }, expect: { closed: true } },
  { name: 'RSV bits without an extension', send: (c) => c.frame(1, Buffer.from('{"op":"ping"}'), { rsv: 4 }), expect: { closed: true } },
  { name: 'a reserved opcode', send: (c) => c.frame(3, Buffer.from('x')), expect: { closed: true } },
  { name: 'a reserved control opcode', send: (c) => c.frame(0xb, Buffer.from('x')), expect: { closed: true } },
  { name: 'a close frame with a one-byte payload', send: (c) => c.frame(8, Buffer.from([3])), expect: { closed: true } },
  { name: 'a close frame with an invalid code', send: (c) => c.frame(8, Buffer.from([0x03, 0xe7])), expect: { closed: true } },
  { name: 'a frame announcing 2^40 bytes', send: (c) => c.socket.write(Buffer.from([0x81, 0xff, 0, 0, 1, 0, 0, 0, 0, 0, 1, 2, 3, 4])), expect: { closed: true } },
  { name: 'a 70 KB frame (over the limit)', send: (c) => c.frame(1, big(70_000)), expect: { closed: true } },
  { name: 'a 20 KB message in fragments (over the limit)', send: (c) => { for (let i = 0; i < 20; i++) c.frame(i === 0 ? 1 : 0, big(1024), { fin: i === 19 }); }, expect: { closed: true } },
  { name: 'an empty text frame', send: (c) => c.frame(1, Buffer.alloc(0)), expect: { reply: 'bad_json' } },
  { name: 'a binary frame', send: (c) => c.frame(2, Buffer.from('{"op":"ping"}')), expect: { reply: 'bad_message' } },
  { name: 'a chat with a NUL in its text', send: (c) => c.text('{"op":"chat","author":"a","text":"x\\u0000y"}'), expect: { reply: 'bad_message' } },
  { name: 'a chat with a carriage return', send: (c) => c.text({ op: 'chat', author: 'a', text: 'x\ry' }), expect: { reply: 'bad_message' } },
  { name: 'a chat of 501 characters', send: (c) => c.text({ op: 'chat', author: 'a', text: 'x'.repeat(501) }), expect: { reply: 'bad_message' } },
  { name: 'a chat with an extra field', send: (c) => c.text({ op: 'chat', author: 'a', text: 'x', admin: true }), expect: { reply: 'bad_message' } },
  { name: 'a hello with 51 categories', send: (c) => c.text({ op: 'hello', categories: Array.from({ length: 51 }, (_, i) => `c${i}`) }), expect: { reply: 'bad_message' } },
  { name: 'deeply nested JSON', send: (c) => c.text(`${'['.repeat(5000)}${']'.repeat(5000)}`), expect: { reply: 'bad_message' } },
];

describe('websocket gateway, broken frames on a raw socket', () => {
  it('closes the connection on every protocol violation and answers every malformed message, never taking the gateway down', async () => {
    const outcomes: string[] = [];
    for (const k of FRAME_CASES) {
      tally.badInputsTried++;
      const lengthBefore = await streamLength();
      const c = new RawWs(ws.port, '/ws');
      await within(`${k.name}: the upgrade`, 5000, c.opened.then(() => c.whenCount(1)));
      k.send(c);
      if ('closed' in k.expect) {
        await within(`${k.name}: the server to close`, 5000, c.ended);
        outcomes.push(`${k.name}: closed ${c.closeCode ?? 'without a close frame'}`);
      } else {
        const reply = k.expect.reply;
        await within(`${k.name}: a reply containing ${reply}`, 5000, new Promise<void>((resolve) => {
          const check = () => c.messages.slice(1).some((m) => m.includes(reply));
          if (check()) return resolve();
          c.onText = () => check() && resolve();
        }));
        expect(c.closed, k.name).toBe(false);
        outcomes.push(`${k.name}: answered`);
        c.drop();
      }
      expect(await streamLength(), `${k.name} must not change state`).toBe(lengthBefore);
      expect(await probe(ws.port, '/healthz', tally)).toBe(200);
    }
    console.log(`[fuzz] raw frames:\n  ${outcomes.join('\n  ')}`);
    await everyoneStillServed();
  }, 60_000);
});

/** A query string as a careless or hostile client writes it: encoded, raw, or with broken percent-escapes. */
const queryPart = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }).map(encodeURIComponent),
  fc.string({ unit: 'grapheme-ascii', maxLength: 40 }).map((s) => s.replace(/[\s#]/g, '')),
  fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '%FF%FE', '%C0%AF', '%25', '%%', '%u0041', '+', '%0D%0A', '%0Adata:%20x', '0-0', '1-0', '99999999999999999999-0', '-1', '1e3', '', 'a,b,,c'),
);
const query = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom('since', 'maxRate', 'categories', 'token', 'Last-Event-ID'), queryPart), queryPart), { maxLength: 6 })
  .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&'));
/** A Last-Event-ID header value: anything a header may carry (no CR, LF or NUL), or nothing. */
const lastEventId = fc.option(
  fc.oneof(
    fc.string({ unit: 'grapheme-ascii', maxLength: 80 }).map((s) => s.replace(/[\r\n\0]/g, '')),
    fc.constantFrom('0-0', '1-1', ' 1-0', '1-0 ', '١-٠', '9'.repeat(64), '9'.repeat(65), '0-0,1-0'),
  ),
  { nil: undefined },
);

/** One raw SSE request: its status, and for a 200 the first event name. */
async function sseRequest(path: string, headers: Record<string, string>): Promise<{ status: number; first?: string }> {
  const c = new RawSse(sse.port, path, { headers });
  try {
    await within(`an answer to ${path.slice(0, 80)}`, 5000, Promise.race([c.until('\n\n'), c.ended]));
    if (c.status === 200) {
      await within(`the first event of ${path.slice(0, 80)}`, 5000, c.until('event: '));
      return { status: 200, first: /event: (\w+)/.exec(c.received)?.[1] };
    }
    return { status: c.status ?? 0 };
  } finally {
    c.drop();
  }
}

describe('sse gateway, random queries and Last-Event-IDs', () => {
  it('answers every random query and Last-Event-ID with a stream starting at a snapshot or resumed, or a 4xx; never a 5xx', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(query, lastEventId, async (q, id) => {
        tally.badInputsTried++;
        const { status, first } = await sseRequest(`/sse?${q}`, id === undefined ? {} : { 'Last-Event-ID': id });
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status >= 500) tally.fiveXx++;
        expect(status >= 200 && status < 500, `status ${status} for ?${q} / ${id}`).toBe(true);
        if (status === 200) expect(['snapshot', 'resumed']).toContain(first);
      }),
      { numRuns: 300 },
    );
    console.log(`[fuzz] sse statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
    await everyoneStillServed();
  }, 120_000);

  it('survives huge, repeated and broken values with a 4xx or a snapshot', async () => {
    const cases: [string, Record<string, string>][] = [
      [`/sse?since=${'9'.repeat(100_000)}`, {}],
      [`/sse?since=${'9'.repeat(10_000)}`, {}],
      [`/sse?${'since=1-0&'.repeat(1000)}`, {}],
      [`/sse?${'categories=a&'.repeat(1000)}`, {}],
      [`/sse?categories=${'x'.repeat(41)}`, {}],
      ['/sse?maxRate=1&maxRate=abc', {}],
      ['/sse?maxRate=99999999999999999999999', {}],
      ['/sse?since=%', { 'Last-Event-ID': '%' }],
      ['/sse', { 'Last-Event-ID': '9'.repeat(10_000) }],
      ['/sse', { 'Last-Event-ID': 'x'.repeat(15_000) }],
      ['/sse', { 'Last-Event-ID': 'x'.repeat(20_000) }],
      ['/%', {}],
      ['/sse/%E0%A4%A', {}],
      ['/sse?%', {}],
    ];
    for (const [path, headers] of cases) {
      tally.badInputsTried++;
      const { status, first } = await sseRequest(path, headers);
      if (status >= 500) tally.fiveXx++;
      expect(status >= 200 && status < 500, `status ${status} for ${path.slice(0, 60)}`).toBe(true);
      if (status === 200) expect(first).toBe('snapshot');
    }
    await everyoneStillServed();
  }, 60_000);
});

/** Chat text with everything that could break a line-based parser or a page: CR, LF, `data:`, markup, separators. */
const nastyUnit = fc.oneof(
  fc.constantFrom('\r', '\n', '\r\n', '\n\n', 'data: ', 'event: error\n', 'id: 9-9\n', 'retry: 1\n', ':', '<script>alert(1)</script>', '"', '\\', '\u2028', '\u2029', '\u0000', '\u001b[31m', '\u009b', '\uFEFF', '😀', 'é', '\t', ' ', '}', '{"type":"snapshot"}'),
  fc.string({ unit: 'grapheme', maxLength: 3 }),
);

describe('chat round trip', () => {
  it('delivers every accepted chat through WS and through SSE framing + SseParser as the same JSON; refused ones change nothing', async () => {
    const sender = new WsClient(ws.url);
    await sender.opened;
    await waitFor('snapshot', () => sender.messages[0]);
    const chats = (ms: ServerMessage[]) => ms.filter((m): m is ChatMessageEvent => m.type === 'chat.message');
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: nastyUnit, minLength: 0, maxLength: 40 }),
        fc.string({ unit: nastyUnit, minLength: 0, maxLength: 8 }),
        async (rawText, rawAuthor) => {
          tally.badInputsTried++;
          const text = Buffer.from(rawText).toString('utf8');
          const author = Buffer.from(rawAuthor).toString('utf8');
          const message = { op: 'chat', author, text };
          const decoded = decodeClientMessage(JSON.stringify(message));
          const [wsBefore, sseBefore] = [chats(wsWatch.messages).length, chats(sseWatch.messages).length];
          const errorsBefore = sender.messages.filter((m) => m.type === 'error').length;
          const lengthBefore = await streamLength();
          sender.send(message);
          if (decoded.ok) {
            accepted++;
            await waitFor('the chat at both watchers', () => chats(wsWatch.messages).length > wsBefore && chats(sseWatch.messages).length > sseBefore, 5000);
            const viaWs = chats(wsWatch.messages)[wsBefore]!;
            const viaSse = chats(sseWatch.messages)[sseBefore]!;
            // What the contract keeps: the validated message (author and text trimmed of surrounding white space).
            const { author: a, text: t } = decoded.message as { author: string; text: string };
            expect(viaWs.data).toEqual({ author: a, text: t });
            expect(JSON.stringify(viaSse)).toBe(JSON.stringify(viaWs));
          } else {
            refused++;
            await waitFor('the refusal', () => sender.messages.filter((m) => m.type === 'error').length > errorsBefore, 5000);
            expect(await streamLength()).toBe(lengthBefore);
          }
          expect(sseWatch.unparsable).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
    console.log(`[fuzz] chat: ${accepted} accepted and round-tripped, ${refused} refused`);
    expect(accepted).toBeGreaterThan(20);
    sender.close();
    await everyoneStillServed();
  }, 120_000);
});
