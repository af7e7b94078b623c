/**
 * An HTTP server on loopback that misbehaves the ways image hosts do: slow, failing, flaky,
 * redirecting (in a loop too), huge (declared or streamed), lying about Content-Type, empty,
 * opting out by X-Robots-Tag. Paths: `/img/<n>.jpg` (a small JPEG, seeded by n), `/photo/<n>.jpg`
 * (a 64×48 photo-like JPEG, seeded by n; `?png` as PNG, `?noai` with X-Robots-Tag: noai),
 * `/png-as-jpeg`, `/slow`, `/status/<code>`, `/flaky/<id>` (503 once per id, then an image),
 * `/redirect/<n>` (n hops, then an image), `/redirect/<n>/<m>` (n hops, then `/photo/<m>.jpg`),
 * `/loop`, `/huge`, `/huge-declared`, `/html`, `/empty`, `/noai`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { ALLOW_PRIVATE_ENV } from '../../lambdas/download/address-guard';
import sharp from 'sharp';
import { photo } from '../fixtures/images';

export interface ImageServer {
  readonly base: string;
  /** Requests per path, for checking that nothing is fetched twice. */
  readonly hits: Map<string, number>;
  close(): Promise<void>;
}

export async function tinyJpeg(seed: number): Promise<Buffer> {
  const r = (seed * 37) % 256;
  return sharp({
    create: {
      width: 48,
      height: 40,
      channels: 3,
      background: { r, g: 120, b: 200 - (seed % 100) },
    },
  })
    .jpeg({ quality: 80 })
    .toBuffer();
}

export interface ImageServerOptions {
  /** Called with each request's path before it is answered. */
  readonly onRequest?: (path: string) => void;
}

export async function startImageServer(options: ImageServerOptions = {}): Promise<ImageServer> {
  const hits = new Map<string, number>();
  const jpeg = await tinyJpeg(1);
  const png = await sharp(jpeg).png().toBuffer();
  const flaky = new Set<string>();
  const images = new Map<number, Buffer>();
  const image = async (n: number) => {
    let bytes = images.get(n);
    if (!bytes) images.set(n, (bytes = await tinyJpeg(n)));
    return bytes;
  };
  const send = (res: ServerResponse, bytes: Buffer, type = 'image/jpeg', extra = {}) => {
    res.writeHead(200, { 'content-type': type, 'content-length': bytes.length, ...extra });
    res.end(bytes);
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    hits.set(path + url.search, (hits.get(path + url.search) ?? 0) + 1);
    options.onRequest?.(path + url.search);
    let m: RegExpMatchArray | null;
    if ((m = path.match(/^\/photo\/(\d+)\.jpg$/))) {
      const png = url.searchParams.has('png');
      const bytes = await photo(64, 48, { seed: Number(m[1]), format: png ? 'png' : 'jpeg' });
      const robots = url.searchParams.has('noai') ? { 'x-robots-tag': 'noai' } : {};
      return send(res, bytes, png ? 'image/png' : 'image/jpeg', robots);
    }
    if ((m = path.match(/^\/redirect\/(\d+)\/(\d+)$/))) {
      const hops = Number(m[1]);
      res.writeHead(302, {
        location: hops > 1 ? `/redirect/${hops - 1}/${m[2]}` : `/photo/${m[2]}.jpg`,
      });
      return res.end();
    }
    if ((m = path.match(/^\/img\/(\d+)\.jpg$/))) return send(res, await image(Number(m[1])));
    if (path === '/png-as-jpeg') return send(res, png, 'image/jpeg');
    if (path === '/slow') {
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      res.write(jpeg.subarray(0, 10));
      return; // never ends; the client's deadline does
    }
    if ((m = path.match(/^\/status\/(\d+)$/))) {
      res.writeHead(Number(m[1]));
      return res.end('no');
    }
    if ((m = path.match(/^\/flaky\/(\w+)$/))) {
      if (!flaky.has(m[1]!)) {
        flaky.add(m[1]!);
        res.writeHead(503);
        return res.end('busy');
      }
      return send(res, jpeg);
    }
    if ((m = path.match(/^\/redirect\/(\d+)$/))) {
      const n = Number(m[1]);
      res.writeHead(302, { location: n > 1 ? `/redirect/${n - 1}` : '/img/7.jpg' });
      return res.end();
    }
    if (path === '/loop') {
      res.writeHead(301, { location: '/loop' });
      return res.end();
    }
    if (path === '/huge-declared') {
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': 50_000_000 });
      return res.end();
    }
    if (path === '/huge') {
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      const chunk = Buffer.alloc(64 * 1024, 1);
      for (let i = 0; i < 64 && !res.destroyed; i++) res.write(chunk);
      return res.end();
    }
    if (path === '/html') return send(res, Buffer.from('<html>not found</html>'), 'image/jpeg');
    if (path === '/empty') return send(res, Buffer.alloc(0));
    if (path === '/noai')
      return send(res, jpeg, 'image/jpeg', { 'x-robots-tag': 'noai, noimageai' });
    res.writeHead(404);
    res.end();
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A server for the tests of one describe block, with private addresses allowed for its duration
 * (the server is on loopback): `server()` inside the tests.
 */
export function useImageServer(): () => ImageServer {
  let server: ImageServer | undefined;
  beforeAll(async () => {
    server = await startImageServer();
    process.env[ALLOW_PRIVATE_ENV] = '1';
  });
  afterAll(async () => {
    delete process.env[ALLOW_PRIVATE_ENV];
    await server?.close();
  });
  return () => server!;
}

/** A loopback port nothing listens on (a connection is refused). */
export async function closedPort(): Promise<number> {
  const probe = createTcpServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
