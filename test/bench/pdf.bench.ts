/**
 * PDF source throughput: pages per second on one core for render (144 dpi, longest edge 1960,
 * JPEG q90) + text extraction, on generated Letter text pages. Prints figures; never fails on
 * time. Run: node --import tsx test/bench/pdf.bench.ts [pages]
 */
import { Readable } from 'node:stream';
import { readPdfFile } from '../../lambdas/sources/pdf';
import { manyPagesPdf, textPdf } from '../fixtures/pdfs';

async function pagesPerSecond(data: Buffer, key: string): Promise<{ pages: number; pps: number }> {
  const started = performance.now();
  let pages = 0;
  for await (const r of readPdfFile(Readable.from([data]), key, { maxPages: 100_000 }))
    if (r.kind === 'sample') pages++;
  return { pages, pps: pages / ((performance.now() - started) / 1000) };
}

async function main(): Promise<void> {
  const repeats = Number(process.argv[2] ?? 10);
  await pagesPerSecond(await textPdf(), 'warmup');
  const letter = { pages: 0, seconds: 0 };
  for (let i = 0; i < repeats; i++) {
    const r = await pagesPerSecond(await textPdf(), `text${i}`);
    letter.pages += r.pages;
    letter.seconds += r.pages / r.pps;
  }
  const small = await pagesPerSecond(await manyPagesPdf(500), 'many');
  console.log(
    `text pages (letter + tall, 144 dpi): ${(letter.pages / letter.seconds).toFixed(1)} pages/s/core (${letter.pages} pages)`,
  );
  console.log(`small pages (200x200 pt, 500-page document): ${small.pps.toFixed(1)} pages/s/core`);
}

void main();
