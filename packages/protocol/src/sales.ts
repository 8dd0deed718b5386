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
