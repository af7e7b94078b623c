/**
 * doc.textDensity: text-density filter for PDF page samples (docs/sources.md). Characters per
 * page come from the page's `txt`; the share of the page its text boxes cover comes from the
 * PDF source's `json.text_area_ratio` (absent → that check is skipped). Image-only pages (no
 * text layer) are kept unless `requireTextLayer` is set.
 */
import { z } from 'zod';
import { defineOperator } from '../../core/ops/operator';
import { readText } from './text-read';

export const docTextDensity = defineOperator({
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
  create(params) {
    return {
      process(sample) {
        const read = readText(sample);
        if (!read.ok) return { keep: false, reason: read.reason, detail: read.detail };
        const chars = [...read.text.trim()].length;
        if (chars === 0 && params.requireTextLayer) return { keep: false, reason: 'no_text_layer' };
        if (chars === 0) return { keep: true, sample };
        if (chars < params.minChars)
          return { keep: false, reason: 'too_few_chars', detail: `${chars} chars` };
        if (params.maxChars !== undefined && chars > params.maxChars)
          return { keep: false, reason: 'too_many_chars', detail: `${chars} chars` };
        const ratio = textAreaRatioOf(sample.parts['json']);
        if (ratio !== undefined && ratio < params.minTextAreaRatio)
          return { keep: false, reason: 'low_text_area', detail: `text area ratio ${ratio}` };
        return { keep: true, sample };
      },
    };
  },
});

function textAreaRatioOf(json: Buffer | undefined): number | undefined {
  if (!json) return undefined;
  try {
    const value = (JSON.parse(json.toString('utf8')) as { text_area_ratio?: unknown })
      .text_area_ratio;
    return typeof value === 'number' ? value : undefined;
  } catch {
    return undefined;
  }
}
