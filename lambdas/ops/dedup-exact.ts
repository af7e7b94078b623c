/** dedupExact's implementation; declared (kind, arguments, reasons) in core/ops/dedup-exact.ts. */
import { contentHash } from './dedup-hash';
import { forEachImage } from './document';
import { implementOperator } from '../../core/ops/operator';
import { dedupExact as declared } from '../../core/ops/dedup-exact';
import { imagePart, textPart, type Sample } from '../../core/ops/sample';

export const dedupExact = implementOperator(declared, {
  create(params) {
    const firstKey = new Map<string, string>();
    const bytesOf = (sample: Sample): Buffer | undefined => {
      const image = imagePart(sample)?.bytes;
      const text = textPart(sample)?.bytes;
      if (params.of === 'image') return image;
      if (params.of === 'text') return text;
      // Length-prefixed, so that image "ab" + text "c" differs from image "a" + text "bc".
      if (!image || !text) return undefined;
      const length = Buffer.alloc(8);
      length.writeBigUInt64BE(BigInt(image.length));
      return Buffer.concat([length, image, text]);
    };
    return forEachImage('dedup.exact', {
      process(sample) {
        const bytes = bytesOf(sample);
        if (!bytes) return { keep: false, reason: 'missing', detail: params.of };
        const hash = contentHash(bytes);
        const first = firstKey.get(hash);
        if (first !== undefined) return { keep: false, reason: 'duplicate', detail: first };
        firstKey.set(hash, sample.key);
        return { keep: true, sample };
      },
    });
  },
});
