/**
 * doc.split: Idefics2-style image splitting for tall, text-dense pages. The operator contract is
 * one sample in, one out, so the crops do not become samples of their own: they are added to
 * the same sample as extra members `0.jpg`, `1.jpg`, … (top to bottom, each `cropHeight` =
 * `width × cropAspect` tall, the last one shorter), and `jpg` stays the whole page. Pages less
 * tall than `minAspect` (height / width) pass unchanged.
 */
import { z } from 'zod';
import { declareOperator } from './operator';

export const docSplit = declareOperator({
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
});
