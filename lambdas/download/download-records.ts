/**
 * One download item: its URL-list rows → WebDataset samples, in row order, with at most
 * `concurrency` downloads in flight (memory: that many images). A row that fails is an invalid
 * record `download:<reason>` holding its `json` (url, caption, reason, detail) and `txt`, so it
 * appears once in the rejects shard; the shard loop's counts keep `in = kept + Σ rejected`.
 * Sample parts: `txt` caption, the image as `jpg`/`png`/`webp`/`gif` by its bytes (never by
 * Content-Type), `json` with url, status, size, original width/height, sha256, X-Robots-Tag.
 */
import { createHash } from 'node:crypto';
import type { ResolvedUrlsOptions } from '../../core/formats';
import { readImageHeader, sniffFormat } from '../ops/image-header';
import { directivesIn } from '../ops/optout-match';
import { IMAGE_EXTENSIONS } from '../sources/parquet-images';
import type { SourceRecord } from '../sources/source-record';
import { jsonValue, textOf } from '../sources/column-values';
import { fetchImage, type FetchResult } from './fetch-image';
import { DOWNLOAD_OP, type DownloadReason } from './reasons';
import type { UrlRow } from './url-list';

export async function* downloadRecords(
  rows: AsyncIterable<UrlRow>,
  keyStem: string,
  options: ResolvedUrlsOptions,
): AsyncGenerator<SourceRecord> {
  const inFlight: Promise<SourceRecord>[] = [];
  for await (const row of rows) {
    inFlight.push(recordOf(row, keyStem, options));
    if (inFlight.length >= options.concurrency) yield await inFlight.shift()!;
  }
  while (inFlight.length > 0) yield await inFlight.shift()!;
}

/** Never rejects: every failure becomes an invalid record with its reason. */
async function recordOf(
  row: UrlRow,
  keyStem: string,
  options: ResolvedUrlsOptions,
): Promise<SourceRecord> {
  const key = `${keyStem}-r${String(row.row).padStart(9, '0')}`;
  const url = row.values[options.urlColumn];
  const caption = textOf(row.values[options.captionColumn]);
  const kept = Object.fromEntries(
    options.keepColumns.filter((c) => c in row.values).map((c) => [c, jsonValue(row.values[c])]),
  );
  const base = {
    url: typeof url === 'string' ? url : null,
    ...(caption === undefined ? {} : { caption }),
    ...kept,
  };
  const reject = (reason: DownloadReason, detail: string, extra: object = {}): SourceRecord => ({
    kind: 'invalid',
    op: DOWNLOAD_OP,
    key,
    reason,
    detail,
    parts: {
      json: Buffer.from(JSON.stringify({ ...base, ...extra, reason, detail })),
      ...(caption === undefined ? {} : { txt: Buffer.from(caption) }),
    },
  });
  if (row.error) return reject('bad_url', `row ${row.row}: ${row.error}`);
  if (typeof url !== 'string' || url.trim() === '') {
    return reject('bad_url', `row ${row.row}: no URL in column "${options.urlColumn}"`);
  }
  const fetched = await fetchImage(url.trim(), options);
  if (!fetched.ok) {
    return reject(fetched.reason, fetched.detail, statusOf(fetched));
  }
  const robots = fetched.robots;
  const denied =
    robots === undefined ? undefined : deniedDirective(robots, options.rejectDirectives);
  if (denied) {
    return reject('robots_noai', `X-Robots-Tag: ${robots}`, { x_robots_tag: robots });
  }
  const bytes = fetched.bytes;
  if (bytes.length === 0) return reject('empty', 'the response had no body', statusOf(fetched));
  const format = sniffFormat(bytes);
  const ext = format === undefined ? undefined : IMAGE_EXTENSIONS[format];
  if (ext === undefined) {
    const type = fetched.contentType ?? 'no Content-Type';
    return reject(
      'not_an_image',
      `${bytes.length} bytes that are not JPEG, PNG, WebP or GIF (${type})`,
      statusOf(fetched),
    );
  }
  const header = await readImageHeader(bytes);
  const json = {
    ...base,
    status: fetched.status,
    ...(fetched.finalUrl === url.trim() ? {} : { final_url: fetched.finalUrl }),
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    ...(header ? { original_width: header.width, original_height: header.height } : {}),
    ...(fetched.contentType === undefined ? {} : { content_type: fetched.contentType }),
    ...(robots === undefined ? {} : { x_robots_tag: robots }),
  };
  return {
    kind: 'sample',
    sample: {
      key,
      parts: {
        [ext]: bytes,
        ...(caption === undefined ? {} : { txt: Buffer.from(caption) }),
        json: Buffer.from(JSON.stringify(json)),
      },
    },
  };
}

function statusOf(result: FetchResult): { status?: number } {
  return 'status' in result && result.status !== undefined ? { status: result.status } : {};
}

/** The first listed directive the header carries, read as `optout` reads `x_robots_tag`. */
function deniedDirective(header: string, directives: readonly string[]): string | undefined {
  const tokens = new Set(directivesIn(header));
  return directives.find((d) => tokens.has(d.toLowerCase()));
}
