import * as path from 'node:path';
import {
  LOCAL_BUCKET,
  basename,
  fromLocation,
  isS3Uri,
  joinUri,
  normaliseUri,
  parentUri,
  parseUri,
  toFilePath,
  toFileUri,
  toLocation,
  toPrefixLocation,
} from '../../core/uri';

describe('parseUri / normaliseUri', () => {
  it('parses s3 URIs into bucket and key', () => {
    expect(parseUri('s3://my-bucket/runs/a.tar')).toEqual({
      scheme: 's3',
      bucket: 'my-bucket',
      key: 'runs/a.tar',
    });
    expect(parseUri('s3://my-bucket')).toEqual({ scheme: 's3', bucket: 'my-bucket', key: '' });
    expect(normaliseUri('S3://my-bucket/a//b')).toBe('s3://my-bucket/a//b');
  });

  it('turns paths and file URIs into file:///absolute paths', () => {
    expect(normaliseUri('/data/x/../shards/')).toBe('file:///data/shards/');
    expect(normaliseUri('file:///data//a.tar')).toBe('file:///data/a.tar');
    expect(normaliseUri('file://localhost/data/a.tar')).toBe('file:///data/a.tar');
    expect(normaliseUri('rel/dir')).toBe(`file://${path.resolve('rel/dir')}`);
    expect(toFileUri('a b/c.tar')).toBe(`file://${path.resolve('a b/c.tar')}`);
    expect(toFilePath('file:///tmp/a%20b')).toBe('/tmp/a%20b');
    expect(toFileUri('file:///tmp/x')).toBe('file:///tmp/x');
    expect(() => toFileUri('s3://bucket/x')).toThrow(/expected a file system path/);
  });

  it.each([
    ['', /empty/],
    ['http://example.com/a.tar', /unsupported scheme http/],
    ['gs://bucket/a', /unsupported scheme gs/],
    ['s3://Bad_Bucket/a', /bad bucket name/],
    ['s3:///key', /bad bucket name/],
    ['file://host/a', /file:\/\/\/absolute/],
    ['file:relative', /file:\/\/\/absolute/],
    ['/tmp/a\0b', /NUL/],
  ])('rejects %j', (input, message) => {
    expect(() => parseUri(input)).toThrow(message);
  });

  it('tells s3 URIs apart', () => {
    expect(isS3Uri('s3://b/k')).toBe(true);
    expect(isS3Uri('/tmp/s3://x')).toBe(false);
    expect(isS3Uri('file:///tmp')).toBe(false);
  });
});

describe('joinUri / parentUri / basename', () => {
  it('joins segments without doubling slashes and keeps a trailing slash', () => {
    expect(joinUri('s3://b/root/', 'runs/demo', 'r1', 'stats/')).toBe(
      's3://b/root/runs/demo/r1/stats/',
    );
    expect(joinUri('s3://b', 'a.json')).toBe('s3://b/a.json');
    expect(joinUri('file:///data', '/x/', 'y.tar')).toBe('file:///data/x/y.tar');
    expect(joinUri('/', 'a')).toBe('file:///a');
  });

  it('refuses parts that could climb out of the base', () => {
    expect(() => joinUri('s3://b/root', '../other')).toThrow(/"\.\." segment/);
    expect(() => joinUri('file:///data', 'a/./b')).toThrow(/"\." segment/);
    expect(() => joinUri('file:///data', 'a\0')).toThrow(/NUL/);
  });

  it('walks up and names the last segment', () => {
    expect(parentUri('s3://b/a/b/c.tar')).toBe('s3://b/a/b');
    expect(parentUri('s3://b/a/')).toBe('s3://b/');
    expect(parentUri('file:///data/x/')).toBe('file:///data');
    expect(parentUri('file:///')).toBe('file:///');
    expect(basename('s3://b/a/c.tar')).toBe('c.tar');
    expect(basename('file:///data/x/')).toBe('x');
    expect(basename('s3://b')).toBe('');
  });
});

describe('Step Functions locations', () => {
  it('maps s3 URIs to {Bucket, Key} and back', () => {
    expect(toLocation('s3://b/m/items.json')).toEqual({ Bucket: 'b', Key: 'm/items.json' });
    expect(toPrefixLocation('s3://b/results/')).toEqual({ Bucket: 'b', Prefix: 'results/' });
    expect(fromLocation('b', 'm/items.json')).toBe('s3://b/m/items.json');
  });

  it('maps file URIs to the local sentinel bucket with the absolute path as key', () => {
    expect(LOCAL_BUCKET).toBe('vlmflow-local-fs');
    expect(toLocation('file:///work/m.json')).toEqual({
      Bucket: LOCAL_BUCKET,
      Key: '/work/m.json',
    });
    expect(toPrefixLocation('/work/results/')).toEqual({
      Bucket: LOCAL_BUCKET,
      Prefix: '/work/results/',
    });
    expect(fromLocation(LOCAL_BUCKET, '/work/m.json')).toBe('file:///work/m.json');
    expect(() => fromLocation(LOCAL_BUCKET, 'relative.json')).toThrow(/absolute/);
  });
});
