/** docFilter's implementation; declared (kind, arguments, reasons) in core/ops/doc-filter.ts. */
import { documentImages, documentOf, documentText } from './document';
import { implementOperator } from '../../core/ops/operator';
import { docFilter as declared } from '../../core/ops/doc-filter';
import { wordsOf } from './text-read';

export const docFilter = implementOperator(declared, {
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
