/**
 * doc.split: Idefics2-style image splitting for tall, text-dense pages. The operator contract is
 * one sample in, one out, so the crops do not become samples of their own: they are added to
 * the same sample as extra members `0.jpg`, `1.jpg`, … (top to bottom, each `cropHeight` =
 * `width × cropAspect` tall, the last one shorter), and `jpg` stays the whole page. Pages less
 * tall than `minAspect` (height / width) pass unchanged.
 */
import sharp from 'sharp';
import { z } from 'zod';
import { defineOperator } from '../../core/ops/operator';
import { imagePart, withParts } from '../../core/ops/sample';

export const docSplit = defineOperator({
  kind: 'doc.split',
  fn: 'curate',
  description: 'Add vertical crops of tall page images as extra members 0.jpg, 1.jpg, …',
  params: z.strictObject({
    /** Split pages whose height / width is at least this. */
    minAspect: z.number().min(1).default(2),
    /** Height / width of each crop. */
    cropAspect: z.number().positive().default(1),
    maxCrops: z.number().int().min(2).max(64).default(8),
    quality: z.number().int().min(1).max(100).default(90),
  }),
  reasons: ['missing_image', 'undecodable'],
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
