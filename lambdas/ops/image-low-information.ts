/** imageLowInformation's implementation; declared (kind, arguments, reasons) in core/ops/image-low-information.ts. */
import { forEachImage } from './document';
import { greyCopyOf, greyStats } from './grey-copy';
import { imagePart } from '../../core/ops/sample';
import { implementOperator } from '../../core/ops/operator';
import { imageLowInformation as declared } from '../../core/ops/image-low-information';

export const imageLowInformation = implementOperator(declared, {
  create(params) {
    return forEachImage('image.low_information', {
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
        const { std } = greyStats(grey);
        if (std < params.minStd) {
          const detail = `grey std ${std.toFixed(2)} < ${params.minStd}`;
          return { keep: false, reason: 'low_information', detail };
        }
        return { keep: true, sample: sample.grey ? sample : { ...sample, grey } };
      },
    });
  },
});
