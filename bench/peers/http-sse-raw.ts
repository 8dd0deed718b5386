// Peer (ceiling): raw node:http SSE, one frame built per message and the same bytes written to every client of its
// channel. `/sse` serves the default restaurant; `/sse/{rid}` another one (the restaurants scenario's raw peer).
import { createServer, type ServerResponse } from 'node:http';
import { peerEnv, ready, restaurantChannels, subscribe } from './peer-env.js';

const env = peerEnv();
/** Each channel's clients, by the channel's name. */
const clients = new Map<string, Set<ServerResponse>>();
const tail = Buffer.from('\n\n');
const subscriber = await subscribe(env, (message, channel) => {
  const audience = clients.get(channel.toString('latin1'));
  if (!audience?.size) return;
  const event = JSON.parse(message.toString()) as { type: string; id: string };
  const frame = Buffer.concat([Buffer.from(`event: ${event.type}\nid: ${event.id}\ndata: `), message, tail]);
  for (const res of audience) res.write(frame);
});
const channelOf = restaurantChannels(subscriber, env);

function stream(res: ServerResponse, channel: string): void {
  if (res.destroyed) return;
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  res.flushHeaders();
  let audience = clients.get(channel);
  if (!audience) clients.set(channel, (audience = new Set()));
  audience.add(res);
  res.on('close', () => audience.delete(res));
}

const server = createServer((req, res) => {
  const path = req.url?.split('?')[0] ?? '';
  if (req.method === 'GET' && path === '/sse') return stream(res, env.channel);
  const rid = req.method === 'GET' && path.startsWith('/sse/') ? path.slice('/sse/'.length) : undefined;
  const channel = rid === undefined ? undefined : channelOf(rid);
  if (!channel) {
    res.writeHead(404).end();
    return;
  }
  // Streamed once the restaurant's channel is subscribed: nothing published after the headers is missed.
  channel.then(
    (name) => stream(res, name),
    () => res.writeHead(503).end(),
  );
});
server.listen(env.port, '127.0.0.1', () =>
  ready('http-sse-raw', () => {
    subscriber.disconnect();
    server.close();
  }),
);
