import { z } from 'zod';

/** Size classes of a grassroots union by membership; targets may differ per class (不搞一刀切). */
export const sizeClassSchema = z.enum(['micro', 'small', 'medium', 'large']);
export type SizeClass = z.infer<typeof sizeClassSchema>;

// The same thresholds live in the generated column orgs.size_class (db/migrations/001): change both or neither.
const SMALL_FROM = 25;
const MEDIUM_FROM = 100;
const LARGE_FROM = 1000;

/** Size class of a union with `members` members: micro <25, small 25–99, medium 100–999, large ≥1000. */
export function sizeClassOf(members: number): SizeClass {
  if (!(members >= 0)) throw new RangeError(`members must be a number ≥ 0, got ${members}`);
  if (members < SMALL_FROM) return 'micro';
  if (members < MEDIUM_FROM) return 'small';
  if (members < LARGE_FROM) return 'medium';
  return 'large';
}
