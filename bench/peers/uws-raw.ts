// Peer (ceiling): raw uWebSockets.js, every message of a channel handed to app.publish once. `/ws` serves the
// default restaurant; `/ws/{rid}` another one, a topic per restaurant (the restaurants scenario's raw peer).
import uWS from 'uWebSockets.js';
import { peerEnv, ready, restaurantChannels, subscribe } from './peer-env.js';

// The package's loader silently falls back to a slow JS implementation; a ceiling measured on that would be a lie.
if (typeof uWS.us_listen_socket_close !== 'function') {
  process.stderr.write('uWebSockets.js native binary did not load; refusing to run the raw uWS peer\n');
  process.exit(1);
}

interface Client {
  topic: string;
}

const env = peerEnv();
const behaviour: uWS.WebSocketBehavior<Client> = {
  // Large enough that a client briefly behind in a fan-out step is not skipped (uWS drops past this limit).
  maxBackpressure: 64 * 1024 * 1024,
  idleTimeout: 120,
  open: (ws) => {
    ws.subscribe(ws.getUserData().topic);
  },
};
// The channel is the topic: a message is published under the bytes Redis named its channel with.
const subscriber = await subscribe(env, (message, channel) => {
  app.publish(channel, message, false);
});
const channelOf = restaurantChannels(subscriber, env);

/** Upgrades to `topic` (the websocket headers read before the request is gone). */
function upgrader(res: uWS.HttpResponse, req: uWS.HttpRequest, context: uWS.us_socket_context_t): (topic: string) => void {
  const key = req.getHeader('sec-websocket-key');
  const protocol = req.getHeader('sec-websocket-protocol');
  const extensions = req.getHeader('sec-websocket-extensions');
  return (topic) => res.upgrade<Client>({ topic }, key, protocol, extensions, context);
}

const app = uWS
  .App()
  .ws<Client>('/ws', { ...behaviour, upgrade: (res, req, context) => upgrader(res, req, context)(env.channel) })
  .ws<Client>('/ws/:rid', {
    ...behaviour,
    // Upgraded once the restaurant's channel is subscribed, unless the client left meanwhile.
    upgrade: (res, req, context) => {
      const topic = channelOf(req.getParameter(0));
      if (!topic) {
        res.writeStatus('404 Not Found').end();
        return;
      }
      const upgrade = upgrader(res, req, context);
      let aborted = false;
      res.onAborted(() => {
        aborted = true;
      });
      topic.then(
        (name) => {
          if (!aborted) res.cork(() => upgrade(name));
        },
        () => {
          if (!aborted) res.cork(() => res.writeStatus('503 Service Unavailable').end());
        },
      );
    },
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
