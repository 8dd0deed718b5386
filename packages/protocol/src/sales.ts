// Sales per time bucket, total and per category: the line chart's history.
import { z } from 'zod';

export const salesBucketSchema = z.object({
  t: z.number().int(),
  total: z.number().int().nonnegative(),
  byCategory: z.record(z.string(), z.number().int().nonnegative()),
});
export type SalesBucket = z.infer<typeof salesBucketSchema>;

export const salesHistorySchema = z.object({
  bucketMs: z.number().int().positive(),
  buckets: z.array(salesBucketSchema),
});
export type SalesHistory = z.infer<typeof salesHistorySchema>;

/** One page of the sales route: buckets with `from ≤ t < to`, oldest first; `next` is where the next page starts. */
export const salesPageSchema = salesHistorySchema.extend({
  from: z.number().int(),
  to: z.number().int(),
  next: z.number().int().optional(),
});
export type SalesPage = z.infer<typeof salesPageSchema>;
