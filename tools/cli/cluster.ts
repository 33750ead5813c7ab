import { parseArgs } from 'node:util';
import { configOrExit, onSignals } from '../../src/boot.js';
import { startLocalCluster } from '../cluster/local-cluster.js';
import { createLogger } from '../../src/logger.js';

/**
 * `npm run cluster -- --nodes 3 [--port 3000] [--json]`: N API processes and one worker behind a
 * round-robin proxy on --port (default PORT), with the local services started once, as `npm start`
 * would. Ctrl-C (SIGINT) or SIGTERM stops everything. --json prints one line describing the
 * cluster (url, node ids, ports and pids) on stdout once it is ready, for scripts.
 */
const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '3' },
    port: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const config = configOrExit(process.env);
const logger = createLogger({ ...config, NODE_ID: 'cluster' });
const nodes = Number(values.nodes);
const port = values.port === undefined ? config.PORT : Number(values.port);
if (
  !Number.isInteger(nodes) ||
  nodes < 1 ||
  nodes > 64 ||
  !Number.isInteger(port) ||
  port < 0 ||
  port > 65535 - nodes
) {
  process.stderr.write('usage: npm run cluster -- --nodes <1..64> [--port <port>] [--json]\n');
  process.exit(64); // EX_USAGE
}

try {
  const cluster = await startLocalCluster(config, { nodes, port, env: process.env, logger });
  onSignals(logger, cluster.stop);
  logger.info(
    {
      url: cluster.url,
      nodes: cluster.nodes.map((n) => `${n.id} :${n.port} (pid ${n.pid})`),
      worker: `pid ${cluster.worker.pid}`,
    },
    `Fairdrop cluster of ${nodes} API nodes and a worker is serving on ${cluster.url}`,
  );
  if (values.json)
    process.stdout.write(
      `${JSON.stringify({ cluster: { url: cluster.url, nodes: cluster.nodes, worker: cluster.worker } })}\n`,
    );
} catch (err) {
  logger.fatal({ err }, (err as Error).message);
  process.exit(1);
}
