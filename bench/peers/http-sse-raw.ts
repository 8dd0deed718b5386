// Peer (ceiling): raw node:http SSE, one frame built per message and the same bytes written to every client.
import { createServer, type ServerResponse } from 'node:http';
import { peerEnv, ready, subscribe } from './peer-env.js';

const env = peerEnv();
const clients = new Set<ServerResponse>();
const server = createServer((req, res) => {
  if (req.method !== 'GET' || !req.url?.startsWith('/sse')) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  res.flushHeaders();
  clients.add(res);
  req.on('close', () => clients.delete(res));
});
const tail = Buffer.from('\n\n');
const subscriber = await subscribe(env, (message) => {
  const event = JSON.parse(message.toString()) as { type: string; id: string };
  const frame = Buffer.concat([Buffer.from(`event: ${event.type}\nid: ${event.id}\ndata: `), message, tail]);
  for (const res of clients) res.write(frame);
});
server.listen(env.port, '127.0.0.1', () =>
  ready('http-sse-raw', () => {
    subscriber.disconnect();
    server.close();
  }),
);
