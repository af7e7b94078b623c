/**
 * doc.textDensity: text-density filter for PDF page samples (docs/sources.md). Characters per
 * page come from the page's `txt`; the share of the page its text boxes cover comes from the
 * PDF source's `json.text_area_ratio` (absent → that check is skipped). Image-only pages (no
 * text layer) are kept unless `requireTextLayer` is set.
 */
import { z } from 'zod';
import { declareOperator } from './operator';

export const docTextDensity = declareOperator({
  kind: 'doc.textDensity',
  fn: 'curate',
  description:
    'Reject page samples without a text layer (optional) or with too few or too many characters or too little text area',
  params: z.strictObject({
    requireTextLayer: z.boolean().default(false),
    minChars: z.number().int().nonnegative().default(0),
    /** No upper bound when absent. */
    maxChars: z.number().int().positive().optional(),
    minTextAreaRatio: z.number().min(0).max(1).default(0),
  }),
  reasons: [
    'missing',
    'invalid_utf8',
    'no_text_layer',
    'too_few_chars',
    'too_many_chars',
    'low_text_area',
  ],
});
