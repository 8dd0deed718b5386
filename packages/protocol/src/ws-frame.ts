// WebSocket frames: one JSON text frame per server message; client frames decoded into a typed message or an error.
import { clientMessageSchema, CLIENT_OPS, type ClientMessage, type ErrorMessage, type ServerMessage } from './messages.js';
import type { ErrorCode } from './codes.js';

/** A server message as one text frame; `json` is the message already serialized, as the gateway holds it. */
export function encodeWsMessage(message: ServerMessage, json: string = JSON.stringify(message)): string {
  return json;
}

export type DecodedClientMessage = { ok: true; message: ClientMessage } | { ok: false; error: ErrorMessage };

const utf8 = new TextDecoder('utf-8', { fatal: true });

const fail = (code: ErrorCode, message: string): DecodedClientMessage => ({
  ok: false,
  error: { type: 'error', code, message },
});

/** Decodes a client frame. Binary frames, invalid UTF-8, bad JSON and unknown ops each get their own error. */
export function decodeClientMessage(frame: string | ArrayBuffer | Uint8Array, isBinary = false): DecodedClientMessage {
  if (isBinary) return fail('bad_message', 'binary frames are not accepted; send JSON text');
  let text: string;
  if (typeof frame === 'string') text = frame;
  else {
    try {
      text = utf8.decode(frame);
    } catch {
      return fail('bad_message', 'frame is not valid UTF-8');
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return fail('bad_json', 'frame is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return fail('bad_message', 'a message is a JSON object with an "op"');
  }
  const op = (parsed as { op?: unknown }).op;
  if (typeof op !== 'string' || !(CLIENT_OPS as readonly string[]).includes(op)) {
    return fail('unknown_op', `unknown op ${JSON.stringify(op)}; expected one of ${CLIENT_OPS.join(', ')}`);
  }
  const result = clientMessageSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : op;
    return fail('bad_message', `${where}: ${issue?.message ?? 'invalid'}`);
  }
  return { ok: true, message: result.data };
}
