/**
 * The download engine against a loopback server: one exact reason per way a host misbehaves,
 * retries only for transient failures, the address guard before any request.
 */
import { forbiddenLiteral, forbiddenRange } from '../../lambdas/download/address-guard';
import { fetchImage, USER_AGENT, type FetchSettings } from '../../lambdas/download/fetch-image';
import { closedPort, startImageServer, useImageServer } from './image-server';

const settings: FetchSettings = {
  timeoutMs: 400,
  retries: 2,
  backoffMs: 5,
  maxBytes: 1024 * 1024,
  maxRedirects: 3,
};

describe('fetchImage', () => {
  const server = useImageServer();

  const reasonOf = async (path: string, s: FetchSettings = settings) => {
    const result = await fetchImage(`${server().base}${path}`, s);
    return result.ok ? 'ok' : result.reason;
  };

  it('downloads an image and reports status, type and robots header', async () => {
    const result = await fetchImage(`${server().base}/noai`, settings);
    expect(result).toMatchObject({
      ok: true,
      status: 200,
      contentType: 'image/jpeg',
      robots: 'noai, noimageai',
      attempts: 1,
    });
  });

  it('gives each failure its reason', async () => {
    expect(await reasonOf('/status/404')).toBe('http_404');
    expect(await reasonOf('/status/403')).toBe('http_403');
    expect(await reasonOf('/status/418')).toBe('http_4xx');
    expect(await reasonOf('/slow')).toBe('timeout');
    expect(await reasonOf('/loop')).toBe('too_many_redirects');
    expect(await reasonOf('/huge')).toBe('too_large');
    expect(await reasonOf('/huge-declared')).toBe('too_large');
    expect(
      await fetchImage(`http://127.0.0.1:${await closedPort()}/x.jpg`, settings),
    ).toMatchObject({ ok: false, reason: 'connection' });
    expect(await fetchImage('http://no-such-host.invalid/x.jpg', settings)).toMatchObject({
      ok: false,
      reason: 'dns',
    });
    expect(
      await fetchImage(`${server().base.replace('http:', 'https:')}/img/1.jpg`, settings),
    ).toMatchObject({ ok: false, reason: 'tls' });
    expect(await fetchImage('ftp://example.org/x.jpg', settings)).toMatchObject({
      ok: false,
      reason: 'bad_url',
    });
    expect(await fetchImage('not a url', settings)).toMatchObject({ ok: false, reason: 'bad_url' });
  });

  it('follows redirects up to the cap', async () => {
    expect(await fetchImage(`${server().base}/redirect/3`, settings)).toMatchObject({
      ok: true,
      finalUrl: `${server().base}/img/7.jpg`,
    });
    expect(await reasonOf('/redirect/4')).toBe('too_many_redirects');
  });

  it('retries transient failures only, with backoff', async () => {
    expect(await fetchImage(`${server().base}/flaky/a`, settings)).toMatchObject({
      ok: true,
      attempts: 2,
    });
    expect(await fetchImage(`${server().base}/status/500`, settings)).toMatchObject({
      ok: false,
      reason: 'http_5xx',
      attempts: 3,
    });
    expect(await fetchImage(`${server().base}/status/404`, settings)).toMatchObject({
      attempts: 1,
    });
    expect(server().hits.get('/status/404')).toBe(2);
  });

  it('sends a User-Agent naming vlmflow', () => {
    expect(USER_AGENT).toMatch(/^vlmflow\//);
  });
});

describe('address guard', () => {
  it('refuses loopback, private and link-local targets before any request unless allowed', async () => {
    const server = await startImageServer();
    try {
      for (const url of [
        `${server.base}/img/1.jpg`,
        `http://localhost:${new URL(server.base).port}/img/1.jpg`,
      ]) {
        expect(await fetchImage(url, settings)).toMatchObject({
          ok: false,
          reason: 'private_address',
        });
      }
      expect(server.hits.size).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('classifies addresses, IPv4-mapped IPv6 included', () => {
    expect(forbiddenRange('169.254.169.254')).toBe('linkLocal');
    expect(forbiddenRange('10.0.0.1')).toBe('private');
    expect(forbiddenRange('::ffff:127.0.0.1')).toBe('loopback');
    expect(forbiddenRange('8.8.8.8')).toBeUndefined();
    expect(forbiddenLiteral('[::1]')).toMatch(/loopback/);
    expect(forbiddenLiteral('example.org')).toBeUndefined();
  });
});
