// A minimal Socket.IO 4 client: engine.io v4 packets over the raw WebSocket client, default namespace only.
import type { Socket } from 'node:net';
import { encodeFrame, OPCODES, openWs } from '@dish-live/test-support';

// engine.io packet types are one ASCII digit; Socket.IO packets ride inside "4" (message).
const EIO_OPEN = 0x30; // "0"
const EIO_PING = 0x32; // "2"
const EIO_MESSAGE = 0x34; // "4"
const SIO_CONNECT = 0x30; // "40"
const SIO_EVENT = 0x32; // "42"

const CONNECT_PACKET = Buffer.from('40');
const PONG_PACKET = Buffer.from('3');

export interface SocketIoHandlers {
  /** Called when the namespace connect is acknowledged (`40{"sid":...}`). */
  onOpen: () => void;
  /** One event's `["name", payload]` array in [start, end) of `buf`. */
  onEvent: (buf: Buffer, start: number, end: number) => void;
  onEnd: (reason: string) => void;
}

export function openSocketIo(port: number, handlers: SocketIoHandlers): Socket {
  const socket: Socket = openWs(port, '/socket.io/?EIO=4&transport=websocket', {
    onOpen: () => undefined,
    onText: (buf, start, end) => {
      const packet = buf[start];
      if (packet === EIO_MESSAGE) {
        const kind = buf[start + 1];
        if (kind === SIO_EVENT) handlers.onEvent(buf, start + 2, end);
        else if (kind === SIO_CONNECT) handlers.onOpen();
      } else if (packet === EIO_PING) socket.write(encodeFrame(OPCODES.text, PONG_PACKET));
      else if (packet === EIO_OPEN) socket.write(encodeFrame(OPCODES.text, CONNECT_PACKET));
    },
    onEnd: handlers.onEnd,
  });
  return socket;
}
