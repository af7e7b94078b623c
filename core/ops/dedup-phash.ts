/**
 * dedup.phash: within a shard, reject an image whose 64-bit perceptual hash is within Hamming
 * distance `maxDistance` of an earlier kept image's (re-encodes, resizes, light edits of one
 * picture). The first in shard order is kept: deterministic. Cheapest after image.resize,
 * which leaves a small image to hash. For a document, a near-duplicate image is removed.
 */
import { z } from 'zod';
import { declareOperator } from './operator';

export const dedupPhash = declareOperator({
  kind: 'dedup.phash',
  fn: 'curate',
  description: 'Reject images perceptually near-identical to an earlier image of the shard',
  params: z.strictObject({
    /** Largest Hamming distance (of 64 bits) counted as a duplicate; 0 = same hash only. */
    maxDistance: z.number().int().min(0).max(32).default(4),
  }),
  reasons: ['missing', 'undecodable', 'near_duplicate'],
});
