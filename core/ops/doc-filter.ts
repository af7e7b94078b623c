/**
 * doc.filter: document-level rules for interleaved documents (see document.ts), run after the
 * per-image operators have removed what they reject: a document goes when no image is left,
 * when it has too many images, or too few or too many words. OBELICS keeps documents with at
 * least one image, at most 30 images, and drops near-empty pages.
 */
import { z } from 'zod';
import { declareOperator } from './operator';

export const docFilter = declareOperator({
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
});
