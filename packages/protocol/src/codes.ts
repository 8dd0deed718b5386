// Error codes of `error` messages and WebSocket close codes, as the README lists them.
export const ERROR_CODES = [
  'bad_json',
  'bad_message',
  'unknown_op',
  'bad_since',
  'rate_limited',
  'too_large',
  'unauthorized',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const CLOSE_CODES = {
  /** Origin or authentication refused. */
  policy: 1008,
  /** A frame larger than the server accepts. */
  tooLarge: 1009,
  /** The server is restarting: reconnect, to another replica if there is one. */
  restarting: 1012,
  /** The subscription token expired: get a new one and reconnect. */
  tokenExpired: 4001,
  /** The client fell past the hard buffer limit: reconnect and resume with the last id. */
  slowConsumer: 4008,
} as const;
export type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES];
