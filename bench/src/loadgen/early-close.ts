// uWebSockets.js 20.30 may close a socket it upgraded asynchronously right after the 101, before any frame
// (docs/ARCHITECTURE.md, "Known issues"). A real client reconnects; so does a load generator's client, once, counted.
import type { ClientKind } from './ipc.js';

/** One connect that ended: over what, whether a first message was awaited, whether the 101 came, and why it ended. */
export interface EndedConnect {
  kind: ClientKind;
  untilFirstMessage: boolean;
  upgraded: boolean;
  error: string | undefined;
}

/** Whether it was closed right after its upgrade, before the first message it waited for: that uWS bug. */
export function closedRightAfterUpgrade(c: EndedConnect): boolean {
  return c.kind === 'ws' && c.untilFirstMessage && c.upgraded && c.error === 'closed';
}
