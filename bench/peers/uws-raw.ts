// Peer (ceiling): raw uWebSockets.js, every message of the channel handed to app.publish once.
import uWS from 'uWebSockets.js';
import { peerEnv, ready, subscribe } from './peer-env.js';

// The package's loader silently falls back to a slow JS implementation; a ceiling measured on that would be a lie.
if (typeof uWS.us_listen_socket_close !== 'function') {
  process.stderr.write('uWebSockets.js native binary did not load; refusing to run the raw uWS peer\n');
  process.exit(1);
}

const env = peerEnv();
const TOPIC = 'dish';
const app = uWS.App().ws('/ws', {
  // Large enough that a client briefly behind in a fan-out step is not skipped (uWS drops past this limit).
  maxBackpressure: 64 * 1024 * 1024,
  idleTimeout: 120,
  open: (ws) => {
    ws.subscribe(TOPIC);
  },
});
const subscriber = await subscribe(env, (message) => {
  app.publish(TOPIC, message, false);
});
app.listen('127.0.0.1', env.port, (listenSocket) => {
  if (!listenSocket) {
    process.stderr.write(`uws-raw: could not listen on ${env.port}\n`);
    process.exit(1);
  }
  ready('uws-raw', () => {
    subscriber.disconnect();
    uWS.us_listen_socket_close(listenSocket);
  });
});
