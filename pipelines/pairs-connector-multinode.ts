/**
 * pairs-connector with its training as an AWS Batch multi-node parallel job: the node count is
 * the run parameter `trainNodes` (each node with the stage's GPUs; Batch runs multi-node jobs
 * on On-Demand instances only). Curation, parameters and the training configuration are
 * pairs-connector's own, so the two never drift apart; pairs-connector itself stays a
 * single-node job. Locally the nodes are CPU processes on this machine (gloo).
 */
import pairsConnector from './pairs-connector';
import { inheritedChain, inheritedParams, param, pipeline } from '../infra/dsl';

const curated = pairsConnector.graph.sources.find((s) => s.name === 'pairs');
const connector = pairsConnector.graph.trains.find((t) => t.name === 'connector');
if (!curated || !connector) throw new Error('pairs-connector has no "pairs" source or "connector"');

export default pipeline('pairs-connector-multinode', (p) =>
  p
    .describe('pairs-connector, trained as a multi-node parallel job (trainNodes nodes)')
    .params(inheritedParams(pairsConnector))
    .params({
      trainNodes: param.integer({
        default: 2,
        min: 1,
        max: 64,
        description: 'Nodes of the multi-node training job',
      }),
    })
    .settings({ maxConcurrency: 100, toleratedFailurePercentage: 0 })
    .source(
      'pairs',
      { uri: curated.uri, pattern: curated.pattern },
      inheritedChain(pairsConnector, 'pairs'),
    )
    .train('connector', (params) => ({
      dataset: 'pairs',
      gpus: connector.gpus,
      vcpus: connector.vcpus,
      memoryMiB: connector.memoryMiB,
      timeoutSeconds: connector.timeoutSeconds,
      nodes: params.trainNodes,
      enabled: connector.enabled,
      config: connector.config,
    })),
);
