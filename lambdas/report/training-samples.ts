/**
 * The training job's sample generations (`models/<train>/samples.json`: greedy captions of
 * held-out images by the exported model, each image a small JPEG beside it) and its model card
 * (`models/<train>/export/README.md`), as the report shows them under the loss curve.
 */
import { isNotFound } from '../shards/not-found';
import { readJson } from '../shards/json-io';
import { storageFor } from '../shards/storage';
import { joinUri, parentUri } from '../../core/uri';
import { makeThumbnail, type ThumbnailBudget } from './thumbnails';
import type { Thumbnail } from './types';

export interface GeneratedSample {
  readonly key: string;
  readonly reference: string;
  readonly generated: string;
  readonly thumbnail: Thumbnail;
}

export interface TrainingOutputs {
  readonly samples: readonly GeneratedSample[];
  /** The export's model card, when the run wrote one. */
  readonly modelCardUri?: string;
}

interface SampleRecord {
  readonly key?: unknown;
  readonly image?: unknown;
  readonly reference?: unknown;
  readonly generated?: unknown;
}

/** `metricsUri` is `models/<train>/metrics.json`; what is missing is simply left out. */
export async function readTrainingOutputs(
  metricsUri: string,
  budget: ThumbnailBudget,
): Promise<TrainingOutputs> {
  const folder = parentUri(metricsUri);
  const card = joinUri(folder, 'export', 'README.md');
  const hasCard = await storageFor(card)
    .exists(card)
    .catch(() => false);
  const records = await readJson<{ samples?: unknown }>(joinUri(folder, 'samples.json')).then(
    (doc) => (Array.isArray(doc.samples) ? (doc.samples as SampleRecord[]) : []),
    (error: unknown) => {
      if (isNotFound(error)) return [];
      throw error;
    },
  );
  const samples: GeneratedSample[] = [];
  for (const record of records) {
    const image = typeof record.image === 'string' ? joinUri(folder, record.image) : undefined;
    const bytes = image
      ? await storageFor(image)
          .readBytes(image)
          .catch(() => undefined)
      : undefined;
    samples.push({
      key: String(record.key ?? ''),
      reference: String(record.reference ?? ''),
      generated: String(record.generated ?? ''),
      thumbnail: await makeThumbnail(bytes, budget),
    });
  }
  return { samples, ...(hasCard ? { modelCardUri: card } : {}) };
}
