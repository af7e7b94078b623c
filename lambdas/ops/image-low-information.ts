/** imageLowInformation's implementation; declared (kind, arguments, reasons) in core/ops/image-low-information.ts. */
import { forEachImage } from './document';
import { greyStats, judgeGreyCopy } from './grey-copy';
import { implementOperator } from '../../core/ops/operator';
import { imageLowInformation as declared } from '../../core/ops/image-low-information';

export const imageLowInformation = implementOperator(declared, {
  create(params) {
    return forEachImage('image.low_information', {
      // Stateless: the shard loop may run it on several samples at once.
      concurrent: true,
      process: (sample) =>
        judgeGreyCopy(sample, (grey) => {
          const { std } = greyStats(grey);
          const stats = { grey_std: std };
          if (std >= params.minStd) return { stats };
          const detail = `grey std ${std.toFixed(2)} < ${params.minStd}`;
          return { stats, reject: { reason: 'low_information' as const, detail } };
        }),
    });
  },
});
