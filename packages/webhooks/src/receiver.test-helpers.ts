// Webhook receivers for delivery tests: HTTP or TLS servers on loopback that record what reached them.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { EventEmitter, once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

export interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface Receiver {
  port: number;
  host: string;
  received: Received[];
  /** Server names TLS clients asked for (SNI); undefined for a client that sent none. */
  serverNames: (string | undefined)[];
  /** Resolves once a TLS handshake has been seen through, with its server name. */
  handshake(): Promise<string | undefined>;
  close(): Promise<void>;
}

export type Handler = (req: Received, res: ServerResponse) => void;

/** A self-signed certificate for receiver.test, valid until 2126: no client trusts it, which is the point. */
const TLS_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgZLlNlQ9TOEbRHSWn
vmrGIBODGQqbQRNqwotIrQz47w6hRANCAAQ8Ubl6qFWqJscw+Ie+v9Up3Wf8Nlja
efkT56tLJBqF4+tTx/T5xFN6M9rSXCi5MrT1dmuH6Qf1QxaylUVL1rp8
-----END PRIVATE KEY-----`;
const TLS_CERT = `-----BEGIN CERTIFICATE-----
MIIBoTCCAUegAwIBAgIUFbfocXRHbZYRhw3+G6tJKuuX3EYwCgYIKoZIzj0EAwIw
GDEWMBQGA1UEAwwNcmVjZWl2ZXIudGVzdDAgFw0yNjEyMDMwNjM2MjVaGA8yMTI2
MTEwOTA2MzYyNVowGDEWMBQGA1UEAwwNcmVjZWl2ZXIudGVzdDBZMBMGByqGSM49
AgEGCCqGSM49AwEHA0IABDxRuXqoVaomxzD4h76/1SndZ/w2WNp5+RPnq0skGoXj
61PH9PnEU3oz2tJcKLkytPV2a4fpB/VDFrKVRUvWunyjbTBrMB0GA1UdDgQWBBQJ
MklK0s++OiBzlK5XlSFLcxG9PzAfBgNVHSMEGDAWgBQJMklK0s++OiBzlK5XlSFL
cxG9PzAPBgNVHRMBAf8EBTADAQH/MBgGA1UdEQQRMA+CDXJlY2VpdmVyLnRlc3Qw
CgYIKoZIzj0EAwIDSAAwRQIgQF0QLhp6cr8vWZ6c8rZE+VOp6R2k117W+UH8FJjV
T0sCIQDEw/bXCggwCWeLUkRNu2wiUpyg49hhhuCKQgc2Wecx3g==
-----END CERTIFICATE-----`;

export function startReceiver(handler: Handler, options: { host?: string; tls?: boolean } = {}): Promise<Receiver> {
  const host = options.host ?? '127.0.0.1';
  const received: Received[] = [];
  const serverNames: (string | undefined)[] = [];
  const handshakes = new EventEmitter();
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(request);
      handler(request, res);
    });
  };
  const server: Server = options.tls ? createTlsServer({ key: TLS_KEY, cert: TLS_CERT }, onRequest) : createServer(onRequest);
  // A TLS connection either completes the server's half of the handshake or fails it: either way its SNI is kept.
  const record = (socket: TLSSocket) => {
    serverNames.push(socket.servername || undefined);
    handshakes.emit('handshake');
  };
  server.on('secureConnection', record);
  server.on('tlsClientError', (_error: Error, socket: TLSSocket) => record(socket));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        host,
        received,
        serverNames,
        handshake: () => waitForHandshake(handshakes, serverNames),
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

async function waitForHandshake(handshakes: EventEmitter, serverNames: (string | undefined)[]) {
  if (serverNames.length === 0) await once(handshakes, 'handshake', { signal: AbortSignal.timeout(2000) });
  return serverNames[0];
}
