/** docSplit's implementation; declared (kind, arguments, reasons) in core/ops/doc-split.ts. */
import sharp from 'sharp';
import { implementOperator } from '../../core/ops/operator';
import { docSplit as declared } from '../../core/ops/doc-split';
import { imagePart, withParts } from '../../core/ops/sample';

export const docSplit = implementOperator(declared, {
  create(params) {
    return {
      async process(sample) {
        const image = imagePart(sample);
        if (!image) return { keep: false, reason: 'missing_image' };
        let width: number;
        let height: number;
        try {
          const meta = await sharp(image.bytes).metadata();
          width = meta.width ?? 0;
          height = meta.height ?? 0;
        } catch (error) {
          return { keep: false, reason: 'undecodable', detail: (error as Error).message };
        }
        if (width === 0 || height / width < params.minAspect) return { keep: true, sample };
        const crops = Math.min(params.maxCrops, Math.ceil(height / (width * params.cropAspect)));
        const step = Math.ceil(height / crops);
        const parts: Record<string, Buffer> = {};
        for (let i = 0; i < crops; i++) {
          const top = i * step;
          const region = { left: 0, top, width, height: Math.min(step, height - top) };
          parts[`${i}.jpg`] = await sharp(image.bytes)
            .extract(region)
            .jpeg({ quality: params.quality })
            .toBuffer();
        }
        return { keep: true, sample: withParts(sample, parts) };
      },
    };
  },
});
