/** One download item's rows → samples in row order, or `download:<reason>` records with the row's url. */
import { createHash } from 'node:crypto';
import { resolveUrlsOptions } from '../../core/formats';
import { downloadRecords } from '../../lambdas/download/download-records';
import type { UrlRow } from '../../lambdas/download/url-list';
import type { SourceRecord } from '../../lambdas/sources/records';
import { tinyJpeg, useImageServer } from './image-server';

describe('downloadRecords', () => {
  const server = useImageServer();

  it('writes samples by sniffed type and rejects with reasons, in row order', async () => {
    const paths = ['/img/3.jpg', '/png-as-jpeg', '/html', '/status/404', '/empty', '/noai', null];
    async function* rows(): AsyncGenerator<UrlRow> {
      for (const [row, p] of paths.entries()) {
        yield {
          row,
          values: {
            url: p === null ? null : `${server().base}${p}`,
            caption: `c${row}`,
            license: 'x',
          },
        };
      }
    }
    const options = resolveUrlsOptions({
      concurrency: 3,
      keepColumns: ['license'],
      rejectDirectives: ['noai'],
    });
    const records: SourceRecord[] = [];
    for await (const record of downloadRecords(rows(), 'list', options)) records.push(record);
    expect(
      records.map((r) =>
        r.kind === 'sample'
          ? Object.keys(r.sample.parts).join('+')
          : `${'op' in r ? r.op : 'tar'}:${r.reason}`,
      ),
    ).toEqual([
      'jpg+txt+json',
      'png+txt+json',
      'download:not_an_image',
      'download:http_404',
      'download:empty',
      'download:robots_noai',
      'download:bad_url',
    ]);
    expect(records.map((r) => (r.kind === 'sample' ? r.sample.key : r.key))[6]).toBe(
      'list-r000000006',
    );
    const first = records[0]!;
    if (first.kind !== 'sample') throw new Error('expected a sample');
    const jpeg = await tinyJpeg(3);
    expect(JSON.parse(first.sample.parts.json!.toString())).toEqual({
      url: `${server().base}/img/3.jpg`,
      caption: 'c0',
      license: 'x',
      status: 200,
      bytes: jpeg.length,
      sha256: createHash('sha256').update(jpeg).digest('hex'),
      original_width: 48,
      original_height: 40,
      content_type: 'image/jpeg',
    });
    const notFound = records[3]!;
    if (notFound.kind !== 'invalid') throw new Error('expected a reject');
    expect(JSON.parse(notFound.parts.json!.toString())).toMatchObject({
      url: `${server().base}/status/404`,
      reason: 'http_404',
      status: 404,
    });
    expect(notFound.parts.txt!.toString()).toBe('c3');
  });
});
