/** imageBlur's implementation; declared (kind, arguments, reasons) in core/ops/image-blur.ts. */
import { forEachImage } from './document';
import { judgeGreyCopy, laplacianVariance } from './grey-copy';
import { implementOperator } from '../../core/ops/operator';
import { imageBlur as declared } from '../../core/ops/image-blur';

export const imageBlur = implementOperator(declared, {
  create(params) {
    return forEachImage('image.blur', {
      // Stateless: the shard loop may run it on several samples at once.
      concurrent: true,
      process: (sample) =>
        judgeGreyCopy(sample, (grey) => {
          const variance = laplacianVariance(grey);
          const stats = { laplacian_variance: variance };
          if (variance >= params.minVariance) return { stats };
          const detail = `laplacian variance ${variance.toFixed(1)} < ${params.minVariance}`;
          return { stats, reject: { reason: 'blurry' as const, detail } };
        }),
    });
  },
});
