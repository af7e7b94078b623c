/** imageBlur's implementation; declared (kind, arguments, reasons) in core/ops/image-blur.ts. */
import { forEachImage } from './document';
import { greyCopyOf, laplacianVariance } from './grey-copy';
import { imagePart } from '../../core/ops/sample';
import { implementOperator } from '../../core/ops/operator';
import { imageBlur as declared } from '../../core/ops/image-blur';

export const imageBlur = implementOperator(declared, {
  create(params) {
    return forEachImage('image.blur', {
      // Stateless: the shard loop may run it on several samples at once.
      concurrent: true,
      async process(sample) {
        const part = imagePart(sample);
        if (!part) return { keep: false, reason: 'missing' };
        let grey;
        try {
          grey = await greyCopyOf(sample, part.bytes);
        } catch (error) {
          const detail = (error instanceof Error ? error.message : String(error)).split('\n')[0];
          return { keep: false, reason: 'undecodable', detail };
        }
        const variance = laplacianVariance(grey);
        if (variance < params.minVariance) {
          const detail = `laplacian variance ${variance.toFixed(1)} < ${params.minVariance}`;
          return { keep: false, reason: 'blurry', detail };
        }
        return { keep: true, sample: sample.grey ? sample : { ...sample, grey } };
      },
    });
  },
});
