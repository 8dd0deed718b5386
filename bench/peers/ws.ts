// Peer: the `ws` library with an ioredis subscriber looping over the clients for every message.
import { WebSocket, WebSocketServer } from 'ws';
import { peerEnv, ready, subscribe } from './peer-env.js';

const env = peerEnv();
const clients = new Set<WebSocket>();
const subscriber = await subscribe(env, (message) => {
  // Sent as text, as the message arrived: ws frames it again for every client.
  const text = message.toString();
  for (const client of clients) if (client.readyState === WebSocket.OPEN) client.send(text);
});
const wss = new WebSocketServer({ host: '127.0.0.1', port: env.port, path: '/ws', clientTracking: false }, () =>
  ready('ws', () => {
    subscriber.disconnect();
    wss.close();
  }),
);
wss.on('connection', (ws) => {
  clients.add(ws);
  ws.on('close', () => clients.delete(ws));
});
