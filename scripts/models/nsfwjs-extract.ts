/**
 * Writes nsfwjs' bundled MobileNetV2 classifier as a plain TF.js layers model (model.json +
 * the weight file it names) into a folder, for scripts/models/convert_nsfwjs.py.
 * nsfwjs ships its models as browserify bundles: model.min.js exports the model.json object,
 * group1-shard1of1.min.js the weight file as base64.
 *
 *   node --import tsx scripts/models/nsfwjs-extract.ts <out-dir>
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

const require = createRequire(__filename);
const out = process.argv[2];
if (!out) throw new Error('usage: nsfwjs-extract.ts <out-dir>');

// The package's exports map hides package.json and the bundles: locate them from its entry.
const root = path.resolve(path.dirname(require.resolve('nsfwjs')), '../..');
const bundles = path.join(root, 'dist/models');
const modelJson = require(path.join(bundles, 'mobilenet_v2/model.min.js')) as {
  weightsManifest: { paths: string[] }[];
};
const weights = require(path.join(bundles, 'mobilenet_v2/group1-shard1of1.min.js')) as string;
const paths = modelJson.weightsManifest.flatMap((group) => group.paths);
if (paths.length !== 1 || typeof weights !== 'string')
  throw new Error(`expected one base64 weight file, the manifest names ${paths.join(', ')}`);

mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, 'model.json'), JSON.stringify(modelJson));
writeFileSync(path.join(out, paths[0]!), Buffer.from(weights, 'base64'));
const { version } = require(path.join(root, 'package.json')) as { version: string };
writeFileSync(path.join(out, 'nsfwjs-version.txt'), `${version}\n`);
console.log(`nsfwjs ${version}: MobileNetV2 written to ${out}`);
