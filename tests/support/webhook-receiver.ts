// A webhook receiver on 127.0.0.1 for the alert tests: every request verified with the `standardwebhooks` package and
// the secret of the webhook its path names, every attempt recorded, each answered as the test's behaviour says.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedAttempt {
  /** The path the webhook was registered with, e.g. `/hooks/a`. */
  path: string;
  /** The `webhook-id` header. */
  messageId: string;
  /** 1 for the first request this receiver got with this webhook-id. */
  nth: number;
  /** The verified body (undefined when the signature did not verify). */
  payload: { type: string; timestamp: string; data: { restaurant: string; dish: { id: string; name: string; stock: number }; eventId: string } } | undefined;
  verified: boolean;
  /** Why verification failed. */
  error?: string;
  /** Date.now() when the body had arrived. */
  at: number;
  /** What it was answered: a status, or `held` (no answer yet, or none before the sender gave up). */
  answer: number | 'held';
}

/** A status to answer with at once or `afterMs` later, or a hold: no answer for `holdMs` (past the sender's timeout). */
export type Answer = number | { status: number; afterMs: number } | { holdMs: number };
export type Behaviour = (attempt: ReceivedAttempt) => Answer;

export interface WebhookReceiver {
  port: number;
  /** `http://127.0.0.1:<port><path>`. */
  url(path: string): string;
  /** The secret a webhook's registration answered, for the path its URL has. */
  setSecret(path: string, secret: string): void;
  /** Changes how `path` answers from now on (default: 204). */
  behave(path: string, behaviour: Behaviour): void;
  attempts: ReceivedAttempt[];
  /** The attempts on `path` answered 2xx, first for each webhook-id. */
  accepted(path: string): ReceivedAttempt[];
  /** How many times each webhook-id was answered 2xx (more than 1: a duplicate accepted). */
  acceptedCount(messageId: string): number;
  /** Requests that did not verify. */
  invalid(): ReceivedAttempt[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const secrets = new Map<string, Webhook>();
  const behaviours = new Map<string, Behaviour>();
  const attempts: ReceivedAttempt[] = [];
  const seen = new Map<string, number>();
  const acceptedTimes = new Map<string, number>();
  const held = new Set<NodeJS.Timeout>();

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const body = Buffer.concat(chunks).toString('utf8');
      const messageId = String(req.headers['webhook-id'] ?? '');
      const nth = (seen.get(messageId) ?? 0) + 1;
      seen.set(messageId, nth);
      const attempt: ReceivedAttempt = { path, messageId, nth, payload: undefined, verified: false, at: Date.now(), answer: 204 };
      try {
        const verifier = secrets.get(path);
        if (!verifier) throw new Error(`no secret for ${path}`);
        attempt.payload = verifier.verify(body, req.headers as Record<string, string>) as ReceivedAttempt['payload'];
        attempt.verified = true;
      } catch (err) {
        attempt.error = (err as Error).message;
      }
      attempts.push(attempt);
      const answer = attempt.verified ? (behaviours.get(path) ?? (() => 204))(attempt) : 400;
      const reply = (status: number) => {
        attempt.answer = status;
        if (status >= 200 && status < 300) acceptedTimes.set(messageId, (acceptedTimes.get(messageId) ?? 0) + 1);
        res.writeHead(status).end();
      };
      if (typeof answer === 'number') return reply(answer);
      attempt.answer = 'held';
      const timer = setTimeout(() => {
        held.delete(timer);
        // A sender that gave up meanwhile does not get its answer counted.
        if ('status' in answer && !res.destroyed && !req.socket.destroyed) reply(answer.status);
        else res.destroy();
      }, 'status' in answer ? answer.afterMs : answer.holdMs);
      held.add(timer);
    });
  };

  const server = createServer(onRequest);
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    setSecret: (path, secret) => void secrets.set(path, new Webhook(secret)),
    behave: (path, behaviour) => void behaviours.set(path, behaviour),
    attempts,
    accepted: (path) => {
      const first = new Map<string, ReceivedAttempt>();
      for (const a of attempts) if (a.path === path && typeof a.answer === 'number' && a.answer < 300 && !first.has(a.messageId)) first.set(a.messageId, a);
      return [...first.values()];
    },
    acceptedCount: (messageId) => acceptedTimes.get(messageId) ?? 0,
    invalid: () => attempts.filter((a) => !a.verified),
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of held) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
