/** imageSize's implementation; declared (kind, arguments, reasons) in core/ops/image-size.ts. */
import { readImageHeader } from './image-header';
import { forEachImage } from './document';
import { implementOperator } from '../../core/ops/operator';
import { imageSize as declared } from '../../core/ops/image-size';
import { imagePart } from '../../core/ops/sample';

export const imageSize = implementOperator(declared, {
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
        const aspect = shorter > 0 ? longer / shorter : Infinity;
        const stats = {
          width,
          height,
          shorter_side: shorter,
          ...(Number.isFinite(aspect) ? { aspect_ratio: aspect } : {}),
        };
        if (shorter < params.minSide) return { keep: false, reason: 'too_small', detail, stats };
        if (longer > params.maxSide) return { keep: false, reason: 'too_large', detail, stats };
        if (width * height < params.minPixels)
          return { keep: false, reason: 'too_few_pixels', detail, stats };
        if (aspect > params.maxAspectRatio)
          return { keep: false, reason: 'bad_aspect_ratio', detail, stats };
        return { keep: true, sample, stats };
      },
    });
  },
});
