/**
 * The PDF and JSON-lines readers through the real curate handler: one sample per page or line,
 * exact reject reasons for bad documents and lines, in = kept + Σ rejected.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ShardStats, ShardTask } from '../../core/contracts';
import { handler } from '../../lambdas/handlers/curate';
import { ops } from '../../core/ops';
import { readShard } from '../../lambdas/shards/tar-reader';
import { toFileUri } from '../../core/uri';
import { readRecords, type SourceRecord } from '../../lambdas/sources/records';
import { makeDocumentFixtures, type DocumentFixtures } from '../fixtures/pdfs';

async function collect(records: AsyncIterable<SourceRecord>): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const record of records) out.push(record);
  return out;
}
const sum = (counts: Readonly<Record<string, number>>) =>
  Object.values(counts).reduce((a, b) => a + b, 0);

let fixtures: DocumentFixtures;
let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'vlmflow-sources-'));
  fixtures = await makeDocumentFixtures(path.join(root, 'in'));
});

const pdf = (name: string) => path.join(fixtures.pdfDir, `${name}.pdf`);

describe('PDF reader', () => {
  it('gives one sample per page with image, text in reading order and metadata', async () => {
    const records = await collect(readRecords(pdf('text'), { format: 'pdf', key: 'text' }));
    expect(records.map((r) => (r.kind === 'sample' ? r.sample.key : r.reason))).toEqual([
      'text-p00001',
      'text-p00002',
      'text-p00003',
    ]);
    const first = records[0]!;
    if (first.kind !== 'sample') throw new Error('expected a sample');
    const { jpg, txt, json } = first.sample.parts;
    expect(jpg!.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(txt!.toString()).toBe(
      'Page 1\nQuarterly report of the Example Company\n' +
        'Revenue grew by 12 percent to 4.2 million euros.\n' +
        'Operating costs fell in every region except the north.',
    );
    expect(JSON.parse(json!.toString())).toMatchObject({
      doc: 'text',
      page: 1,
      pages: 3,
      producer: 'vlmflow test fixtures (pdf-lib)',
      width: 1224,
      height: 1584,
      dpi: 144,
      text_layer: true,
    });
  });

  it('keeps image-only pages with empty text and text_layer false', async () => {
    const records = await collect(readRecords(pdf('mixed'), { format: 'pdf', key: 'mixed' }));
    const page2 = records[1]!;
    if (page2.kind !== 'sample') throw new Error('expected a sample');
    expect(page2.sample.parts.txt!.length).toBe(0);
    expect(JSON.parse(page2.sample.parts.json!.toString())).toMatchObject({
      text_layer: false,
      text_chars: 0,
    });
  });

  it.each([
    ['damaged', {}, 'damaged'],
    ['encrypted', {}, 'encrypted'],
    ['many', { maxPages: 100 }, 'too_many_pages'],
  ])('rejects the %s document as one record', async (name, options, reason) => {
    const records = await collect(
      readRecords(pdf(name), { format: 'pdf', key: name, pdf: options }),
    );
    expect(
      records.map(
        (r) => r.kind === 'invalid' && `${'op' in r ? r.op : 'tar'}:${r.reason}:${r.key}`,
      ),
    ).toEqual([`pdf:${reason}:${name}`]);
  });

  it('rejects pages over the pixel limit one by one', async () => {
    const records = await collect(
      readRecords(pdf('text'), {
        format: 'pdf',
        key: 'text',
        pdf: { maxPixels: 1_000_000 },
      }),
    );
    // Letter pages at 144 dpi are 1224x1584 px; the tall page is capped to 392x1960.
    expect(records.map((r) => (r.kind === 'invalid' ? r.reason : 'sample'))).toEqual([
      'page_too_large',
      'page_too_large',
      'sample',
    ]);
  });

  it('renders a 500-page document within the page limit', async () => {
    const records = await collect(
      readRecords(pdf('many'), {
        format: 'pdf',
        key: 'many',
        pdf: { longestEdge: 64 },
      }),
    );
    expect(records).toHaveLength(500);
    expect(records.every((r) => r.kind === 'sample')).toBe(true);
  });
});

describe('JSON-lines reader', () => {
  it('gives one sample per line, flattened text, and reasons for bad lines', async () => {
    const file = path.join(fixtures.jsonlDir, 'instructions.jsonl');
    const records = await collect(readRecords(file, { format: 'jsonl', key: 'x' }));
    expect(
      records.map((r) => (r.kind === 'sample' ? r.sample.key : `${r.key} ${r.reason}`)),
    ).toEqual([
      'x-l000001',
      'x-l000002',
      'x-l000003',
      'x-l000004 invalid_json',
      'x-l000005 bad_schema',
      'x-l000007',
      'x-l000008 bad_schema',
      'x-l000009',
      'x-l000010',
    ]);
    const third = records[2]!;
    if (third.kind !== 'sample') throw new Error('expected a sample');
    expect(third.sample.parts.txt!.toString()).toBe(
      'System: You answer briefly and precisely.\n' +
        'User: Name the largest planet of the solar system.\n' +
        'Assistant: Jupiter is the largest planet of the solar system.',
    );
    const line = (await readFile(file, 'utf8')).split('\n')[2]!;
    expect(third.sample.parts.json!.toString()).toBe(line);
  });

  it('does not crash on an empty file', async () => {
    const empty = path.join(fixtures.jsonlDir, 'empty.jsonl');
    await writeFile(empty, '');
    expect(await collect(readRecords(empty, { format: 'jsonl', key: 'e' }))).toEqual([]);
  });
});

describe('through the curate handler', () => {
  async function curate(
    format: 'pdf' | 'jsonl',
    key: string,
    uri: string,
    opUses: ShardTask['segments'][number]['ops'],
    pdfOptions?: ShardTask['pdf'],
  ) {
    const task: ShardTask = {
      pipeline: 'sources-test',
      stage: format,
      runId: `r-${key}`,
      runRoot: toFileUri(path.join(root, 'runs', format, key)),
      params: {},
      item: { key, uri: toFileUri(uri) },
      segments: [{ fn: 'curate', ops: opUses }],
      format,
      ...(pdfOptions ? { pdf: pdfOptions } : {}),
    };
    await handler({ task, segment: 0 });
    const statsFile = path.join(root, 'runs', format, key, 'stats', format, `${key}.json`);
    return JSON.parse(await readFile(statsFile, 'utf8')) as ShardStats;
  }

  it('counts PDF rejects as pdf:<reason> and balances', async () => {
    const uses = [ops.doc.textDensity({ requireTextLayer: true, minChars: 20 }), ops.doc.split({})];
    const results = await Promise.all(
      ['text', 'mixed', 'damaged', 'encrypted', 'many'].map((name) =>
        curate('pdf', name, pdf(name), uses, { maxPages: 100 }),
      ),
    );
    const byName = Object.fromEntries(results.map((s) => [s.shard, s]));
    expect(byName['text']).toMatchObject({ in: 3, kept: 3, rejected: {} });
    expect(byName['mixed']).toMatchObject({
      in: 2,
      kept: 1,
      rejected: { 'doc.textDensity:no_text_layer': 1 },
    });
    expect(byName['damaged']).toMatchObject({ in: 1, kept: 0, rejected: { 'pdf:damaged': 1 } });
    expect(byName['encrypted']).toMatchObject({ in: 1, kept: 0, rejected: { 'pdf:encrypted': 1 } });
    expect(byName['many']).toMatchObject({ in: 1, kept: 0, rejected: { 'pdf:too_many_pages': 1 } });
    for (const s of results) expect(s.in).toBe(s.kept + sum(s.rejected));

    // The tall page (392x1960) carries 5 square crops beside the whole page.
    const keptUri = byName['text']!.output.uri;
    const members: string[][] = [];
    for await (const record of readShard(createReadStream(new URL(keptUri)))) {
      if (record.kind === 'sample') members.push(Object.keys(record.sample.parts).sort());
    }
    expect(members[2]).toEqual(['0.jpg', '1.jpg', '2.jpg', '3.jpg', '4.jpg', 'jpg', 'json', 'txt']);
    expect(members[0]).toEqual(['jpg', 'json', 'txt']);
  });

  it('runs text-only samples through text.length, text.repetition and dedup.exact', async () => {
    const s = await curate(
      'jsonl',
      'instructions',
      path.join(fixtures.jsonlDir, 'instructions.jsonl'),
      [
        ops.text.length({ minWords: 5, minChars: 10 }),
        ops.text.repetition({}),
        ops.dedup.exact({ of: 'text' }),
      ],
    );
    expect(s).toMatchObject({
      in: 9,
      kept: 4,
      rejected: {
        'dedup.exact:duplicate': 1,
        'jsonl:bad_schema': 2,
        'jsonl:invalid_json': 1,
        'text.repetition:word_repetition': 1,
      },
    });
    expect(s.in).toBe(s.kept + sum(s.rejected));
  });
});
