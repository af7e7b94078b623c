/**
 * A custom operator: declared here, beside the pipeline that uses it, with the same API as
 * vlmflow's built-in ones. Its argument schema (zod) types the pipeline's call and validates
 * the arguments at synth time and in Lambda; it can only reject with the reasons it lists.
 */
import { defineOperator, keep, reject, textPart, z } from 'vlmflow';

export const captionBlocklist = defineOperator({
  kind: 'project.caption-blocklist',
  fn: 'curate',
  description: 'Reject samples whose caption contains a blocked word',
  params: z.strictObject({ words: z.array(z.string().min(1)).default([]) }),
  reasons: ['blocked_word'],
  create(params) {
    const blocked = new Set(params.words.map((word) => word.toLowerCase()));
    return {
      // Depends on the sample alone, so the shard loop may run several samples at once.
      concurrent: true,
      process(sample) {
        const caption = textPart(sample)?.bytes.toString('utf8') ?? '';
        const hit = caption
          .toLowerCase()
          .split(/\W+/u)
          .find((word) => blocked.has(word));
        return hit ? reject('blocked_word', hit) : keep(sample);
      },
    };
  },
});
