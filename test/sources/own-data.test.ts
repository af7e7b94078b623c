/**
 * Bring your own data: parquet with embedded images (Hugging Face layout) and folders of
 * images with captions, read as samples with exact reasons, and Plan's split of such inputs
 * (and of URL lists) into items of rows.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { toFileUri } from '../../core/uri';
import { listShards } from '../../lambdas/handlers/plan';
import { readRecords, type SourceRecord } from '../../lambdas/sources/records';
import { tinyJpeg } from '../download/image-server';
import { writeHfImageParquet, writeUrlParquet } from '../fixtures/parquet';

async function outcomes(records: AsyncIterable<SourceRecord>): Promise<string[]> {
  const out: string[] = [];
  for await (const r of records) {
    out.push(
      r.kind === 'sample'
        ? `${r.sample.key} ${Object.keys(r.sample.parts).sort().join('+')}`
        : `${r.key} ${'op' in r ? r.op : 'tar'}:${r.reason}`,
    );
  }
  return out;
}

describe('own data', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-own-'));
  });

  it('parquet with image structs: one sample per row, reasons for missing and non-images', async () => {
    const jpeg = await tinyJpeg(2);
    const file = path.join(dir, 'hf', 'train-00000-of-00001.parquet');
    await mkdir(path.dirname(file), { recursive: true });
    await writeHfImageParquet(file, [
      { image: jpeg, path: 'cat.jpg', text: 'a cat' },
      { image: null, text: 'no image' },
      { image: Buffer.from('<svg/>'), text: 'svg' },
      { image: jpeg, text: null },
    ]);
    const records = readRecords(toFileUri(file), {
      format: 'parquet',
      key: 'train-00000-of-00001-00000',
      rows: { start: 0, end: 4 },
    });
    expect(await outcomes(records)).toEqual([
      'train-00000-of-00001-r000000000 jpg+json+txt',
      'train-00000-of-00001-r000000001 parquet:no_image',
      'train-00000-of-00001-r000000002 parquet:not_an_image',
      'train-00000-of-00001-r000000003 jpg+json',
    ]);
    for await (const r of readRecords(toFileUri(file), {
      format: 'parquet',
      key: 'k',
      rows: { start: 0, end: 1 },
    })) {
      if (r.kind !== 'sample') throw new Error('expected a sample');
      expect(r.sample.parts.jpg!.equals(jpeg)).toBe(true);
      expect(JSON.parse(r.sample.parts.json!.toString())).toEqual({ path: 'cat.jpg', row: 0 });
      expect(r.sample.parts.txt!.toString()).toBe('a cat');
    }
  });

  it('a folder: image + txt/json by name stem, reasons for stems without one image', async () => {
    const folder = path.join(dir, 'photos');
    await mkdir(path.join(folder, 'sub'), { recursive: true });
    const jpeg = await tinyJpeg(3);
    await writeFile(path.join(folder, 'a.jpg'), jpeg);
    await writeFile(path.join(folder, 'a.txt'), 'caption a');
    await writeFile(path.join(folder, 'b.PNG'), jpeg);
    await writeFile(path.join(folder, 'b.json'), '{"k": 1}');
    await writeFile(path.join(folder, 'c.jpg'), jpeg);
    await writeFile(path.join(folder, 'c.webp'), jpeg);
    await writeFile(path.join(folder, 'notes.md'), 'hello');
    await writeFile(path.join(folder, 'sub', 'd.jpeg'), jpeg);
    const uri = `${toFileUri(folder)}/`;
    expect(await outcomes(readRecords(uri, { format: 'folder', key: 'images-00000' }))).toEqual([
      'a jpg+txt',
      'b json+png',
      'c folder:two_images',
      'notes folder:no_image',
      'sub/d jpeg',
    ]);
    expect(
      await outcomes(
        readRecords(uri, { format: 'folder', key: 'images-00001', rows: { start: 3, end: 5 } }),
      ),
    ).toEqual(['notes folder:no_image', 'sub/d jpeg']);
    const items = await listShards({
      name: 'f',
      uri: folder,
      pattern: '**/*',
      format: 'folder',
      folder: { imagesPerItem: 2 },
    });
    expect(items.map((i) => [i.key, i.rows])).toEqual([
      ['images-00000', { start: 0, end: 2 }],
      ['images-00001', { start: 2, end: 4 }],
      ['images-00002', { start: 4, end: 5 }],
    ]);
  });

  it('Plan splits URL lists and parquet files into items of rows', async () => {
    const lists = path.join(dir, 'lists');
    await mkdir(lists, { recursive: true });
    await writeUrlParquet(path.join(lists, 'part-0.parquet'), {
      url: Array.from({ length: 5 }, (_, i) => `https://x.org/${i}.jpg`),
    });
    await writeFile(path.join(lists, 'part-1.csv'), 'url\nhttps://x.org/a.jpg\n');
    const items = await listShards({
      name: 'u',
      uri: lists,
      pattern: 'part-*',
      format: 'urls',
      urls: { rowsPerItem: 2 },
    });
    expect(items.map((i) => [i.key, path.basename(i.uri), i.rows])).toEqual([
      ['part-0-00000', 'part-0.parquet', { start: 0, end: 2 }],
      ['part-0-00001', 'part-0.parquet', { start: 2, end: 4 }],
      ['part-0-00002', 'part-0.parquet', { start: 4, end: 5 }],
      ['part-1-00000', 'part-1.csv', { start: 0, end: 1 }],
    ]);
  });
});
