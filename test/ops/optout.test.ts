import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SortedHashSet, hash64 } from '../../lambdas/ops/hash-set64';
import { clearLoadedLists } from '../../lambdas/ops/lists';
import { optout } from '../../lambdas/ops/optout';
import {
  directivesIn,
  domainSuffixes,
  normalizeDomain,
  normalizeUrl,
} from '../../lambdas/ops/optout-match';
import { instanceOf, kept, processUnchanged, sampleOf } from './helpers';

describe('SortedHashSet', () => {
  it('finds exactly the entries it holds', () => {
    const entries = Array.from({ length: 5000 }, (_, i) => `site${i}.example/p/${i * 7}`);
    const set = SortedHashSet.fromStrings(entries);
    expect(set.size).toBe(5000);
    expect(set.bytes).toBe(5000 * 8);
    expect(entries.every((e) => set.has(e))).toBe(true);
    expect(
      Array.from({ length: 5000 }, (_, i) => set.has(`site${i}.example/q/${i}`)).some(Boolean),
    ).toBe(false);
  });

  it('hashes to 64 bits, deterministically', () => {
    expect(hash64('example.com')).toBe(hash64('example.com'));
    expect(hash64('example.com')).not.toBe(hash64('example.org'));
    expect(hash64('').toString(16).length).toBeLessThanOrEqual(16);
  });
});

describe('opt-out matching rules', () => {
  it.each([
    ['https://WWW.Example.com/a/B.jpg?x=1#top', 'example.com/a/B.jpg?x=1'],
    ['http://user@example.com:8080/', 'example.com'],
    ['//cdn.example.com/x/', 'cdn.example.com/x'],
    ['not a url', undefined],
  ])('normalizeUrl(%j) = %j', (url, want) => expect(normalizeUrl(url)).toBe(want));

  it('normalises domain entries and lists the suffixes of a host', () => {
    expect(
      ['*.Example.com', '.example.com', 'https://www.example.com/x', '# c', ''].map(
        normalizeDomain,
      ),
    ).toEqual(['example.com', 'example.com', 'example.com', undefined, undefined]);
    expect(domainSuffixes('a.b.example.com')).toEqual([
      'a.b.example.com',
      'b.example.com',
      'example.com',
      'com',
    ]);
  });

  it('reads directives from strings and lists, with or without a user agent', () => {
    expect(directivesIn('noindex, NoAI')).toEqual(['noindex', 'noai']);
    expect(directivesIn(['googlebot: noimageai', 42, 'none'])).toEqual(['noimageai', 'none']);
    expect(directivesIn(undefined)).toEqual([]);
  });
});

describe('optout', () => {
  let urls: string;
  let domains: string;
  beforeAll(async () => {
    clearLoadedLists();
    const dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-optout-'));
    urls = path.join(dir, 'urls.txt');
    domains = path.join(dir, 'domains.txt');
    await writeFile(urls, 'https://www.example.com/private/cat.jpg\r\nexample.net/a.png\n');
    await writeFile(domains, 'blocked.example\n');
  });
  const withMeta = (json: unknown) => sampleOf({ jpg: 'x', json: JSON.stringify(json) });

  it.each([
    [{ url: 'http://example.com/private/cat.jpg/' }, 'url_listed'],
    [{ url: 'https://img.cdn.blocked.example/1.jpg' }, 'domain_listed'],
    [{ url: 'https://blocked.example' }, 'domain_listed'],
    [{ url: 'https://ok.example/1.jpg', x_robots_tag: 'noai' }, 'noai'],
    [{ url: 'https://ok.example/1.jpg', disallow: ['noimageindex'] }, 'noimageindex'],
  ])('rejects %j as %s', async (json, reason) => {
    const op = await instanceOf(optout, { urlListUri: urls, domainListUri: domains });
    expect(await processUnchanged(op, withMeta(json))).toMatchObject({ keep: false, reason });
  });

  it('keeps what is not opted out, and honours only the chosen directives', async () => {
    const op = await instanceOf(optout, {
      urlListUri: urls,
      domainListUri: domains,
      directives: ['noai'],
    });
    for (const json of [
      { url: 'https://example.com/private/dog.jpg' },
      { url: 'https://notblocked.example/x.jpg' },
      { url: 'https://ok.example/1.jpg', x_robots_tag: 'noindex' },
    ])
      expect(
        kept(await op.process(sampleOf({ jpg: 'x', json: JSON.stringify(json) }))),
      ).toBeTruthy();
    // Own data of the parsed object, never read as an inherited field.
    const proto = '{"__proto__": {"x_robots_tag": "noai"}, "url": "https://ok.example/2.jpg"}';
    expect(kept(await op.process(sampleOf({ jpg: 'x', json: proto })))).toBeTruthy();
    expect(kept(await op.process(sampleOf({ jpg: 'x' })))).toBeTruthy();
  });

  it('rejects metadata that is not a JSON object', async () => {
    const op = await instanceOf(optout);
    for (const json of ['{"url":', '[1,2]', 'null'])
      expect(await op.process(sampleOf({ jpg: 'x', json }))).toEqual({
        keep: false,
        reason: 'invalid_metadata',
      });
  });
});
