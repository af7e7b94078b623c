/**
 * text.utf8: a caption that is not valid UTF-8 is either rejected or repaired (each bad byte
 * sequence replaced by U+FFFD, as WHATWG decoders do), by parameter. Documents carry their
 * text inside JSON, which is UTF-8 by definition, and pass through.
 */
import { z } from 'zod';
import { defineOperator } from '../../core/ops/operator';
import { textPart, withParts } from '../../core/ops/sample';

export const INVALID_UTF8_POLICIES = ['repair', 'reject'] as const;

export const textUtf8 = defineOperator({
  kind: 'text.utf8',
  fn: 'curate',
  description: 'Repair or reject captions that are not valid UTF-8',
  params: z.strictObject({
    onInvalid: z.enum(INVALID_UTF8_POLICIES).default('reject'),
  }),
  reasons: ['invalid_utf8'],
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
