/**
 * dedup.phash: within a shard, reject an image whose 64-bit perceptual hash is within Hamming
 * distance `maxDistance` of an earlier kept image's (re-encodes, resizes, light edits of one
 * picture). The first in shard order is kept: deterministic. Cheapest after image.resize,
 * which leaves a small image to hash. For a document, a near-duplicate image is removed.
 */
import { z } from 'zod';
import { phash64 } from './dedup-hash';
import { forEachImage } from './document';
import { NearIndex } from './near-index';
import { defineOperator } from '../../core/ops/operator';
import { imagePart } from '../../core/ops/sample';

export const dedupPhash = defineOperator({
  kind: 'dedup.phash',
  fn: 'curate',
  description: 'Reject images perceptually near-identical to an earlier image of the shard',
  params: z.strictObject({
    /** Largest Hamming distance (of 64 bits) counted as a duplicate; 0 = same hash only. */
    maxDistance: z.number().int().min(0).max(32).default(4),
  }),
  reasons: ['missing', 'undecodable', 'near_duplicate'],
  create(params) {
    const seen = new NearIndex<string>(params.maxDistance);
    return forEachImage('dedup.phash', {
      async process(sample) {
        const part = imagePart(sample);
        if (!part) return { keep: false, reason: 'missing' };
        let hash: bigint;
        try {
          hash = await phash64(part.bytes);
        } catch (error) {
          const detail = (error instanceof Error ? error.message : String(error)).split('\n')[0];
          return { keep: false, reason: 'undecodable', detail };
        }
        const near = seen.find(hash);
        if (near) {
          const detail = `${near.value} at distance ${near.distance}`;
          return { keep: false, reason: 'near_duplicate', detail };
        }
        seen.add(hash, sample.key);
        return { keep: true, sample };
      },
    });
  },
});
