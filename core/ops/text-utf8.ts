/**
 * text.utf8: a caption that is not valid UTF-8 is either rejected or repaired (each bad byte
 * sequence replaced by U+FFFD, as WHATWG decoders do), by parameter. Documents carry their
 * text inside JSON, which is UTF-8 by definition, and pass through.
 */
import { z } from 'zod';
import { declareOperator } from './operator';

export const INVALID_UTF8_POLICIES = ['repair', 'reject'] as const;

export const textUtf8 = declareOperator({
  kind: 'text.utf8',
  fn: 'curate',
  description: 'Repair or reject captions that are not valid UTF-8',
  params: z.strictObject({
    onInvalid: z.enum(INVALID_UTF8_POLICIES).default('reject'),
  }),
  reasons: ['invalid_utf8'],
});
