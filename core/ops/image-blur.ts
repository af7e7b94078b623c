/**
 * image.blur: reject blurred or out-of-focus images by the variance of the Laplacian
 * (Pech-Pacheco et al., 2000) of a grey copy at most 256 px on its longest side (lambdas/ops/grey-copy.ts),
 * read from the pixels an earlier operator decoded when there are any. A sharp photo has
 * strong edges, hence a wide spread of second derivatives; a blurred one has almost none.
 *
 * The default threshold comes from a measurement (scripts/measure-image-quality.ts,
 * docs/operators.md "Image quality"): scikit-image's photographs at 512 px score 143–5960,
 * every copy blurred with a Gaussian of sigma >= 3 px below 75.
 */
import { z } from 'zod';
import { declareOperator } from './operator';

export const DEFAULT_MIN_LAPLACIAN_VARIANCE = 100;

export const imageBlur = declareOperator({
  kind: 'image.blur',
  fn: 'curate',
  description:
    'Reject blurred images: variance of the Laplacian of a small grey copy below a threshold',
  params: z.strictObject({
    /** Smallest allowed variance of the Laplacian (grey levels², on the grey copy of at most 256 px). */
    minVariance: z.number().nonnegative().default(DEFAULT_MIN_LAPLACIAN_VARIANCE),
  }),
  reasons: ['missing', 'undecodable', 'blurry'],
  stats: {
    laplacian_variance: {
      label: 'variance of the Laplacian (grey levels²)',
      bins: { min: 1, max: 100_000, count: 50, log: true },
      thresholds: [{ arg: 'minVariance', keeps: 'above' }],
    },
  },
});
