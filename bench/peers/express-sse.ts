// Peer: the naive express SSE server, writing a freshly serialized frame to each client for every message.
import express, { type Response } from 'express';
import { peerEnv, ready, subscribe } from './peer-env.js';

const env = peerEnv();
const clients = new Set<Response>();
const app = express();
app.get('/sse', (req, res) => {
  res.set({ 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
  res.flushHeaders();
  clients.add(res);
  req.on('close', () => clients.delete(res));
});
const subscriber = await subscribe(env, (message) => {
  const event = JSON.parse(message.toString()) as { type: string; id: string };
  for (const res of clients) res.write(`event: ${event.type}\nid: ${event.id}\ndata: ${JSON.stringify(event)}\n\n`);
});
const server = app.listen(env.port, '127.0.0.1', () =>
  ready('express-sse', () => {
    subscriber.disconnect();
    server.close();
  }),
);
