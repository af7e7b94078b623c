/**
 * dedup.exact: within a shard, keep the first sample whose image (or caption, or both) has a
 * given content hash and reject the later ones. For a document, a repeated image is removed
 * from it. The hash is contentHash(), which a cross-run stage reuses.
 */
import { z } from 'zod';
import { contentHash } from './dedup-hash';
import { forEachImage } from './document';
import { defineOperator } from '../../core/ops/operator';
import { imagePart, textPart, type Sample } from '../../core/ops/sample';

export const DEDUP_EXACT_CONTENT = ['image', 'text', 'image_and_text'] as const;

export const dedupExact = defineOperator({
  kind: 'dedup.exact',
  fn: 'curate',
  description: 'Reject samples whose content bytes repeat an earlier sample of the shard',
  params: z.strictObject({
    of: z.enum(DEDUP_EXACT_CONTENT).default('image'),
  }),
  reasons: ['missing', 'duplicate'],
  create(params) {
    const firstKey = new Map<string, string>();
    const bytesOf = (sample: Sample): Buffer | undefined => {
      const image = imagePart(sample)?.bytes;
      const text = textPart(sample)?.bytes;
      if (params.of === 'image') return image;
      if (params.of === 'text') return text;
      // Length-prefixed, so that image "ab" + text "c" differs from image "a" + text "bc".
      if (!image || !text) return undefined;
      const length = Buffer.alloc(8);
      length.writeBigUInt64BE(BigInt(image.length));
      return Buffer.concat([length, image, text]);
    };
    return forEachImage('dedup.exact', {
      process(sample) {
        const bytes = bytesOf(sample);
        if (!bytes) return { keep: false, reason: 'missing', detail: params.of };
        const hash = contentHash(bytes);
        const first = firstKey.get(hash);
        if (first !== undefined) return { keep: false, reason: 'duplicate', detail: first };
        firstKey.set(hash, sample.key);
        return { keep: true, sample };
      },
    });
  },
});
