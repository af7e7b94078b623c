/**
 * Interleaved documents (OBELICS-style) in WebDataset: one sample per web page, whose `json`
 * member holds the page in reading order as two parallel lists, `texts` and `images`; at each
 * position exactly one is non-null. The image at position i is the member `<key>.<i>.<ext>`
 * (`doc-000001.3.jpg`), and `images[i]` is its URL or an object of its metadata (`{url, …}`).
 *
 * Image operators run per image through forEachImage: a rejected image is removed (its member
 * dropped, `images[i]` set to null) and recorded in `removed_images` with its operator and
 * reason, while the document is kept. Document-level rules live in doc.filter.
 */
import type { Outcome, OperatorInstance } from '../../core/ops/operator';
import { imagePart, type Sample } from '../../core/ops/sample';
import type { MeasuredStats, StatValue } from '../../core/ops/stats';

/** `<position>.<ext>`: an image of a document. */
const DOCUMENT_IMAGE = /^(\d+)\.([a-z0-9]+)$/;

export interface DocumentJson {
  readonly texts: readonly (string | null)[];
  readonly images: readonly (string | Readonly<Record<string, unknown>> | null)[];
  readonly removed_images?: readonly RemovedImage[];
  readonly [field: string]: unknown;
}

export interface RemovedImage {
  readonly position: number;
  readonly op: string;
  readonly reason: string;
  readonly detail?: string;
}

export interface DocumentImage {
  readonly position: number;
  readonly member: string;
  readonly ext: string;
}

/** The parsed json of a document sample, or undefined when the sample is not a document. */
export function documentOf(sample: Sample): DocumentJson | undefined {
  if (imagePart(sample) || !sample.parts.json) return undefined;
  try {
    const value: unknown = JSON.parse(sample.parts.json.toString('utf8'));
    if (typeof value !== 'object' || value === null) return undefined;
    const { texts, images } = value as Record<string, unknown>;
    return Array.isArray(texts) && Array.isArray(images) ? (value as DocumentJson) : undefined;
  } catch {
    return undefined;
  }
}

/** The image members of a document, by position. */
export function documentImages(sample: Sample): DocumentImage[] {
  const found: DocumentImage[] = [];
  for (const member of Object.keys(sample.parts)) {
    const match = DOCUMENT_IMAGE.exec(member);
    if (match) found.push({ position: Number(match[1]), member, ext: match[2]! });
  }
  return found.sort((a, b) => a.position - b.position);
}

/** The document's text in reading order, paragraphs separated by a blank line. */
export function documentText(doc: DocumentJson): string {
  return doc.texts.filter((t): t is string => typeof t === 'string').join('\n\n');
}

/**
 * Runs an image operator on each image of a document (a pair sample goes straight through).
 * Work an image operator defers is settled at once: a document has no later decode to share.
 */
export function forEachImage<R extends string>(
  op: string,
  inner: OperatorInstance<R>,
): OperatorInstance<R> {
  return {
    ...(inner.concurrent ? { concurrent: true } : {}),
    async process(sample): Promise<Outcome<R>> {
      const doc = documentOf(sample);
      if (!doc) return inner.process(sample);
      const parts: Record<string, Buffer> = { ...sample.parts };
      const images = [...doc.images];
      const removed: RemovedImage[] = [...(doc.removed_images ?? [])];
      const measured: { position: number; stats: MeasuredStats }[] = [];
      for (const image of documentImages(sample)) {
        const meta = images[image.position];
        const json = typeof meta === 'string' ? { url: meta } : (meta ?? {});
        const sub: Sample = {
          key: `${sample.key}.${image.position}`,
          parts: { [image.ext]: parts[image.member]!, json: Buffer.from(JSON.stringify(json)) },
        };
        const outcome = await inner.process(sub);
        if (outcome.stats) measured.push({ position: image.position, stats: outcome.stats });
        let result: { op: string; reason: string; detail?: string } | Sample;
        if (!outcome.keep) result = { op, reason: outcome.reason, detail: outcome.detail };
        else if (outcome.sample.deferred) {
          const work = outcome.sample.deferred;
          const settled = await work.settle(outcome.sample);
          result = settled.keep ? settled.sample : { op: work.op, ...settled };
        } else result = outcome.sample;

        delete parts[image.member];
        if ('parts' in result) {
          const kept = imagePart(result);
          if (kept) parts[`${image.position}.${kept.ext}`] = kept.bytes;
        } else {
          images[image.position] = null;
          removed.push({ position: image.position, ...result });
        }
      }
      const json = { ...doc, images, ...(removed.length > 0 ? { removed_images: removed } : {}) };
      parts.json = Buffer.from(JSON.stringify(json));
      const stats = byPosition(measured, images.length);
      return { keep: true, sample: { key: sample.key, parts }, ...(stats ? { stats } : {}) };
    },
  };
}

/**
 * A document's per-image measurements as one list per stat, by position (null where no image
 * was measured); a record of numbers (scores per label) becomes a record of such lists.
 */
export function byPosition(
  measured: readonly { readonly position: number; readonly stats: MeasuredStats }[],
  length: number,
): MeasuredStats | undefined {
  if (measured.length === 0) return undefined;
  const lists: Record<string, (number | null)[] | Record<string, (number | null)[]>> = {};
  const listOf = (holder: Record<string, unknown>, name: string): (number | null)[] =>
    (holder[name] ??= new Array<number | null>(length).fill(null)) as (number | null)[];
  for (const { position, stats } of measured) {
    for (const [name, value] of Object.entries(stats) as [string, StatValue][]) {
      if (typeof value === 'number') listOf(lists, name)[position] = value;
      else if (typeof value === 'object' && !Array.isArray(value)) {
        const record = (lists[name] ??= {}) as Record<string, (number | null)[]>;
        for (const [key, v] of Object.entries(value))
          if (typeof v === 'number') listOf(record, key)[position] = v;
      }
    }
  }
  return lists;
}
