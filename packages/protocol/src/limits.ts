// Input limits of the wire contract, shared by every validator.
export const LIMITS = {
  dishName: { min: 1, max: 80 },
  category: { min: 1, max: 40 },
  price: { min: 0, max: 10_000_000 },
  stock: { min: 0, max: 1_000_000 },
  orderItems: { min: 1, max: 50 },
  qty: { min: 1, max: 1_000 },
  chatAuthor: { min: 1, max: 40 },
  chatText: { min: 1, max: 500 },
  categoriesPerFilter: 50,
  jsonBodyBytes: 64 * 1024,
  maxRate: { min: 1, max: 1000 },
  pollLimit: { default: 1000, max: 10_000 },
  /** Chat messages a snapshot carries. */
  recentChat: 50,
  /** Sales history a snapshot carries by default: the span the dashboard draws. */
  snapshotSalesWindowMs: 3_600_000,
  /** Buckets one page of the sales route answers. */
  salesPage: { default: 360, max: 1000 },
} as const;
