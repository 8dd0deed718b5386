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
