/** docTextDensity's implementation; declared (kind, arguments, reasons) in core/ops/doc-text-density.ts. */
import { implementOperator } from '../../core/ops/operator';
import { docTextDensity as declared } from '../../core/ops/doc-text-density';
import { readText } from './text-read';

export const docTextDensity = implementOperator(declared, {
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
