/**
 * dedup.exact: within a shard, keep the first sample whose image (or caption, or both) has a
 * given content hash and reject the later ones. For a document, a repeated image is removed
 * from it. The hash is contentHash(), which a cross-run stage reuses.
 */
import { z } from 'zod';
import { declareOperator } from './operator';

export const DEDUP_EXACT_CONTENT = ['image', 'text', 'image_and_text'] as const;

export const dedupExact = declareOperator({
  kind: 'dedup.exact',
  fn: 'curate',
  description: 'Reject samples whose content bytes repeat an earlier sample of the shard',
  params: z.strictObject({
    of: z.enum(DEDUP_EXACT_CONTENT).default('image'),
  }),
  reasons: ['missing', 'duplicate'],
});
