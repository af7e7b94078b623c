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
          if (variance >= params.minVariance) return undefined;
          const detail = `laplacian variance ${variance.toFixed(1)} < ${params.minVariance}`;
          return { reason: 'blurry' as const, detail };
        }),
    });
  },
});
