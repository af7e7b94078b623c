/**
 * The image host of the download benchmark, in its own process so that its CPU time counts for
 * neither downloader: `/photo/<n>.jpg` serves one of `count` photo-like JPEGs (generated before
 * it listens). Prints `PORT <port>` once ready. Usage: download-server.ts <count> <width> <height>.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { photo } from '../fixtures/images';

async function main(): Promise<void> {
  const [count, width, height] = process.argv.slice(2).map(Number) as [number, number, number];
  const images: Buffer[] = [];
  for (let i = 0; i < count; i++) images.push(await photo(width, height, { seed: i + 1 }));
  const server = createServer((req, res) => {
    const m = /^\/photo\/(\d+)\.jpg$/.exec(req.url ?? '');
    const image = m ? images[Number(m[1])] : undefined;
    if (!image) {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': image.length });
    res.end(image);
  });
  server.keepAliveTimeout = 10_000;
  server.listen(0, '127.0.0.1', () => {
    const bytes = images.reduce((n, b) => n + b.length, 0);
    console.log(`PORT ${(server.address() as AddressInfo).port} BYTES ${bytes}`);
  });
}

void main();
