/**
 * image.low_information: reject near-uniform images (blank, single-colour, placeholder or
 * spacer images) by the standard deviation of the grey levels of a small grey copy
 * (lambdas/ops/grey-copy.ts), read from the pixels an earlier operator decoded when there are any. JPEG
 * noise on a flat colour keeps the deviation at a few grey levels, far below any picture; a
 * count of distinct colours would not see through that noise.
 *
 * The default comes from a measurement (scripts/measure-image-quality.ts, docs/operators.md
 * "Image quality"): scikit-image's photographs have a grey std of 12–75, flat colours and
 * faint gradients with noise, as JPEG, at most 4.2.
 */
import { z } from 'zod';
import { declareOperator } from './operator';

export const DEFAULT_MIN_GREY_STD = 6;

export const imageLowInformation = declareOperator({
  kind: 'image.low_information',
  fn: 'curate',
  description:
    'Reject near-uniform images: standard deviation of grey levels of a small grey copy below a threshold',
  params: z.strictObject({
    /** Smallest allowed standard deviation of the grey levels (0–255 scale). */
    minStd: z.number().nonnegative().default(DEFAULT_MIN_GREY_STD),
  }),
  reasons: ['missing', 'undecodable', 'low_information'],
  stats: {
    grey_std: {
      label: 'standard deviation of grey levels',
      bins: { min: 0, max: 128, count: 64 },
      thresholds: [{ arg: 'minStd', keeps: 'above' }],
    },
  },
});
