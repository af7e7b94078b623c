/**
 * image.size: keep images whose displayed size and aspect ratio are within limits.
 *
 * Defaults follow DataComp's basic filter (Gadre et al., 2023): smaller side >= 200 px, aspect
 * ratio <= 3. OBELICS (Laurençon et al., 2023) uses minSide 150, maxSide 20000, maxAspectRatio 2.
 */
import { z } from 'zod';
import { declareOperator } from './operator';

export const imageSize = declareOperator({
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
  stats: {
    width: { label: 'width (px)', bins: { min: 16, max: 16_384, count: 40, log: true } },
    height: { label: 'height (px)', bins: { min: 16, max: 16_384, count: 40, log: true } },
    shorter_side: {
      label: 'shorter side (px)',
      bins: { min: 16, max: 16_384, count: 40, log: true },
      thresholds: [{ arg: 'minSide', keeps: 'above' }],
    },
    aspect_ratio: {
      label: 'aspect ratio (longer / shorter side)',
      bins: { min: 1, max: 8, count: 56 },
      thresholds: [{ arg: 'maxAspectRatio', keeps: 'below' }],
    },
  },
});
