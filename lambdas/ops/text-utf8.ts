/** textUtf8's implementation; declared (kind, arguments, reasons) in core/ops/text-utf8.ts. */
import { implementOperator } from '../../core/ops/operator';
import { textUtf8 as declared } from '../../core/ops/text-utf8';
import { textPart, withParts } from '../../core/ops/sample';

export const textUtf8 = implementOperator(declared, {
  create(params) {
    const strict = new TextDecoder('utf-8', { fatal: true });
    const lenient = new TextDecoder('utf-8');
    return {
      process(sample) {
        const part = textPart(sample);
        if (!part) return { keep: true, sample };
        try {
          strict.decode(part.bytes);
          return { keep: true, sample };
        } catch {
          if (params.onInvalid === 'reject')
            return { keep: false, reason: 'invalid_utf8', detail: part.ext };
          const repaired = Buffer.from(lenient.decode(part.bytes), 'utf8');
          return { keep: true, sample: withParts(sample, { [part.ext]: repaired }) };
        }
      },
    };
  },
});
