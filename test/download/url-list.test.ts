/** URL lists in the three file types: counted for Plan, read by row range for a download item. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { resolveUrlsOptions } from '../../core/formats';
import { countUrlRows, readUrlRows } from '../../lambdas/download/url-list';
import { toFileUri } from '../../core/uri';
import { writeUrlParquet } from '../fixtures/parquet';

const columns = resolveUrlsOptions({ keepColumns: ['license'] });

async function rows(uri: string, start: number, end: number) {
  const out: unknown[] = [];
  for await (const row of readUrlRows(uri, columns, { start, end })) out.push(row);
  return out;
}

describe('URL lists', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-urls-'));
  });

  it('parquet: counts from the footer, reads a row range across row groups', async () => {
    const n = 25;
    const file = path.join(dir, 'list.parquet');
    await writeUrlParquet(
      file,
      {
        url: Array.from({ length: n }, (_, i) => `https://x.org/${i}.jpg`),
        caption: Array.from({ length: n }, (_, i) => (i === 11 ? null : `cap ${i}`)),
        license: Array.from({ length: n }, () => 'cc-by'),
        other: Array.from({ length: n }, () => 'not read'),
      },
      10,
    );
    const uri = toFileUri(file);
    expect(await countUrlRows(uri)).toBe(n);
    expect(await rows(uri, 9, 12)).toEqual([
      { row: 9, values: { url: 'https://x.org/9.jpg', caption: 'cap 9', license: 'cc-by' } },
      { row: 10, values: { url: 'https://x.org/10.jpg', caption: 'cap 10', license: 'cc-by' } },
      { row: 11, values: { url: 'https://x.org/11.jpg', caption: null, license: 'cc-by' } },
    ]);
    expect(await rows(uri, 24, 100)).toHaveLength(1);
  });

  it('parquet without the URL column: an error naming the columns there are', async () => {
    const file = path.join(dir, 'laion.parquet');
    await writeUrlParquet(file, { URL: ['https://x.org/a.jpg'], TEXT: ['a'] });
    await expect(rows(toFileUri(file), 0, 1)).rejects.toThrow(
      /no column "url" \(columns: URL, TEXT\); set urls.urlColumn/,
    );
  });

  it('csv and JSON lines, with the bad lines of the latter kept as rows with an error', async () => {
    const csv = path.join(dir, 'list.csv');
    await writeFile(csv, 'url,caption\nhttps://x.org/a.jpg,"a, quoted"\nhttps://x.org/b.jpg,b\n');
    expect(await countUrlRows(toFileUri(csv))).toBe(2);
    expect(await rows(toFileUri(csv), 1, 5)).toEqual([
      { row: 1, values: { url: 'https://x.org/b.jpg', caption: 'b' } },
    ]);
    const jsonl = path.join(dir, 'list.jsonl');
    await writeFile(jsonl, '{"url": "https://x.org/a.jpg"}\n\n[1]\n{oops\n');
    expect(await countUrlRows(toFileUri(jsonl))).toBe(3);
    expect(await rows(toFileUri(jsonl), 0, 3)).toEqual([
      { row: 0, values: { url: 'https://x.org/a.jpg' } },
      { row: 1, values: {}, error: 'the line is JSON but not an object' },
      { row: 2, values: {}, error: expect.stringMatching(/^not JSON/) },
    ]);
  });
});
