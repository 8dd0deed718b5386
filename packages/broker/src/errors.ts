// Typed errors of the event log, for the edge to map to HTTP statuses.
export class DishNotFoundError extends Error {
  constructor(readonly dishId: string) {
    super(`dish ${dishId} does not exist`);
    this.name = 'DishNotFoundError';
  }
}

export class DishExistsError extends Error {
  constructor(readonly dishId: string) {
    super(`dish ${dishId} already exists`);
    this.name = 'DishExistsError';
  }
}

export class VersionConflictError extends Error {
  constructor(
    readonly dishId: string,
    readonly expected: number,
    readonly current: number,
  ) {
    super(`dish ${dishId} is at version ${current}, not ${expected}`);
    this.name = 'VersionConflictError';
  }
}

/** An orderId reused with other items: its outcome belongs to the first body (like a reused idempotency key). */
export class OrderMismatchError extends Error {
  constructor(readonly orderId: string) {
    super(`order ${orderId} was already placed with other items`);
    this.name = 'OrderMismatchError';
  }
}

/**
 * A write that fewer replicas than WRITE_MIN_REPLICAS confirmed in time: it may or may not survive a failover, and is
 * neither acknowledged nor published (a later confirmed write publishes it, if it is still there).
 */
export class ReplicationTimeoutError extends Error {
  constructor(
    readonly restaurant: string,
    readonly replicas: number,
    readonly wanted: number,
  ) {
    super(`restaurant ${restaurant}: ${replicas} of ${wanted} replicas confirmed the write in time`);
    this.name = 'ReplicationTimeoutError';
  }
}
