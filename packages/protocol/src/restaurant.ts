// Restaurant bodies of the dish API, validated at the edge.
import { z } from 'zod';
import { RESTAURANT_ID_PATTERN } from './restaurant-id.js';

export const restaurantIdSchema = z
  .string()
  .regex(RESTAURANT_ID_PATTERN, 'a restaurant id is 1-40 characters of a-z, 0-9 and "-", not starting with "-"');

export const createRestaurantSchema = z.object({ id: restaurantIdSchema, name: z.string().trim().min(1).max(80) }).strict();

export interface Restaurant {
  id: string;
  name: string;
}
