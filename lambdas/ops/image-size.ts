/**
 * image.size: keep images whose displayed size and aspect ratio are within limits.
 *
 * Defaults follow DataComp's basic filter (Gadre et al., 2023): smaller side >= 200 px, aspect
 * ratio <= 3. OBELICS (Laurençon et al., 2023) uses minSide 150, maxSide 20000, maxAspectRatio 2.
 */
import { z } from 'zod';
import { readImageHeader } from './image-header';
import { forEachImage } from './document';
import { defineOperator } from '../../core/ops/operator';
import { imagePart } from '../../core/ops/sample';

export const imageSize = defineOperator({
  kind: 'image.size',
  fn: 'curate',
  description: 'Reject images whose sides, pixel count or aspect ratio are out of bounds',
  params: z
    .strictObject({
      /** Smallest allowed shorter side, px (DataComp: 200; OBELICS: 150). */
      minSide: z.number().int().nonnegative().default(200),
      /** Largest allowed longer side, px (OBELICS: 20000). */
      maxSide: z.number().int().positive().default(20_000),
      /** Largest allowed longer/shorter side ratio (DataComp: 3; OBELICS: 2). */
      maxAspectRatio: z.number().min(1).default(3),
      /** Smallest allowed width×height; 0 turns the check off. */
      minPixels: z.number().int().nonnegative().default(0),
    })
    .refine((p) => p.minSide <= p.maxSide, {
      path: ['maxSide'],
      message: 'must be at least minSide',
    }),
  reasons: [
    'missing',
    'not_an_image',
    'too_small',
    'too_large',
    'too_few_pixels',
    'bad_aspect_ratio',
  ],
  create(params) {
    return forEachImage('image.size', {
      // Stateless: the shard loop may run it on several samples at once (handlers/in-flight.ts).
      concurrent: true,
      async process(sample) {
        let size: { readonly width: number; readonly height: number } | undefined = sample.image;
        if (!size) {
          const part = imagePart(sample);
          if (!part) return { keep: false, reason: 'missing' };
          size = await readImageHeader(part.bytes);
          if (!size) return { keep: false, reason: 'not_an_image', detail: part.ext };
        }
        const { width, height } = size;
        const detail = `${width}x${height}`;
        const shorter = Math.min(width, height);
        const longer = Math.max(width, height);
        if (shorter < params.minSide) return { keep: false, reason: 'too_small', detail };
        if (longer > params.maxSide) return { keep: false, reason: 'too_large', detail };
        if (width * height < params.minPixels)
          return { keep: false, reason: 'too_few_pixels', detail };
        if (longer / shorter > params.maxAspectRatio)
          return { keep: false, reason: 'bad_aspect_ratio', detail };
        return { keep: true, sample };
      },
    });
  },
});
