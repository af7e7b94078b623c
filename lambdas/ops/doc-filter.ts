/**
 * doc.filter: document-level rules for interleaved documents (see document.ts), run after the
 * per-image operators have removed what they reject: a document goes when no image is left,
 * when it has too many images, or too few or too many words. OBELICS keeps documents with at
 * least one image, at most 30 images, and drops near-empty pages.
 */
import { z } from 'zod';
import { documentImages, documentOf, documentText } from './document';
import { defineOperator } from '../../core/ops/operator';
import { wordsOf } from './text-read';

export const docFilter = defineOperator({
  kind: 'doc.filter',
  fn: 'curate',
  description:
    'Reject documents with no images left, too many images, or too few or too many words',
  params: z.strictObject({
    minImages: z.number().int().min(0).default(1),
    maxImages: z.number().int().positive().default(30),
    minWords: z.number().int().min(0).default(10),
    /** No upper bound when absent. */
    maxWords: z.number().int().positive().optional(),
  }),
  reasons: [
    'not_a_document',
    'no_images',
    'too_few_images',
    'too_many_images',
    'too_few_words',
    'too_many_words',
  ],
  create(params) {
    return {
      process(sample) {
        const doc = documentOf(sample);
        if (!doc) return { keep: false, reason: 'not_a_document' };
        const images = documentImages(sample).length;
        if (images === 0 && params.minImages > 0) return { keep: false, reason: 'no_images' };
        if (images < params.minImages)
          return { keep: false, reason: 'too_few_images', detail: String(images) };
        if (images > params.maxImages)
          return { keep: false, reason: 'too_many_images', detail: String(images) };
        const words = wordsOf(documentText(doc)).length;
        if (words < params.minWords)
          return { keep: false, reason: 'too_few_words', detail: String(words) };
        if (params.maxWords !== undefined && words > params.maxWords)
          return { keep: false, reason: 'too_many_words', detail: String(words) };
        return { keep: true, sample };
      },
    };
  },
});
