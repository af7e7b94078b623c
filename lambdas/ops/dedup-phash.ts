/** dedupPhash's implementation; declared (kind, arguments, reasons) in core/ops/dedup-phash.ts. */
import { phash64, phashOfPixels } from './dedup-hash';
import { forEachImage } from './document';
import { NearIndex } from './near-index';
import { implementOperator } from '../../core/ops/operator';
import { dedupPhash as declared } from '../../core/ops/dedup-phash';
import { imagePart } from '../../core/ops/sample';

export const dedupPhash = implementOperator(declared, {
  create(params) {
    const seen = new NearIndex<string>(params.maxDistance);
    return forEachImage('dedup.phash', {
      async process(sample) {
        const part = imagePart(sample);
        if (!part) return { keep: false, reason: 'missing' };
        let hash: bigint;
        try {
          // The pixels image.resize decoded are the stored image's (before its encoder's
          // rounding): hashed as the run-wide stage hashes the decoded file (dedup-hash.ts).
          hash = sample.decoded ? phashOfPixels(sample.decoded) : await phash64(part.bytes);
        } catch (error) {
          const detail = (error instanceof Error ? error.message : String(error)).split('\n')[0];
          return { keep: false, reason: 'undecodable', detail };
        }
        const near = seen.find(hash);
        if (near) {
          const detail = `${near.value} at distance ${near.distance}`;
          return { keep: false, reason: 'near_duplicate', detail };
        }
        seen.add(hash, sample.key);
        return { keep: true, sample };
      },
    });
  },
});
