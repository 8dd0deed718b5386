// Admission into a restaurant, the same for both gateways: the gate's verdict (origin, restaurant, limits, token, scope),
// then a hold on the restaurant's live view, loaded for the first client and shared by every later one.
import type { AdmissionRequest, Admitted, Gate, Refused } from '@dish-live/server';
import type { Hub } from './hub.js';
import type { RestaurantLease } from './restaurant-lease.js';
import type { Sink } from './transport.js';

export interface Entry<S extends Sink> extends Admitted {
  /** Becomes the connection's in `hub.connect`; the transport releases it (with the slot) if the client goes first. */
  lease: RestaurantLease<S>;
  /** Gives back both the slot and the lease: the client went before it became a connection. */
  abandon(): void;
}

/** The client's entry, or a refusal that holds nothing (503 when its restaurant cannot be loaded). */
export async function admitToRestaurant<S extends Sink>(gate: Gate, hub: Hub<S>, req: AdmissionRequest): Promise<Entry<S> | Refused> {
  const verdict = await gate.admit(req);
  if (!verdict.ok) return verdict;
  let lease: RestaurantLease<S>;
  try {
    lease = await hub.acquire(verdict.restaurant);
  } catch (err) {
    verdict.release();
    return gate.unavailable(`restaurant ${verdict.restaurant} could not be loaded: ${(err as Error).message}`);
  }
  return {
    ...verdict,
    lease,
    abandon() {
      verdict.release();
      lease.release();
    },
  };
}
