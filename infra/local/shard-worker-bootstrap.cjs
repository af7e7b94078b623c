/*
 * Entry of a shard pool worker (a worker thread under piscina, or a forked child process).
 * Workers start without the TypeScript loader the runner has (under jest there is none at
 * all), so register tsx's CommonJS hook, then load the TS entry.
 */
/* global require, module, process */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS bootstrap by design */
'use strict';
require('tsx/cjs/api').register();
// One libvips thread per worker: the pool already puts one worker on each core.
require('sharp').concurrency(1);
const { runShardJob } = require('./shard-worker.ts');

module.exports = runShardJob;

if (process.send && process.env.VLMFLOW_SHARD_WORKER === 'process') {
  process.on('message', (message) => {
    runShardJob(message.job).then((result) => process.send({ id: message.id, result }));
  });
}
