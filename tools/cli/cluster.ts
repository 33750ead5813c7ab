import { configOrExit, onSignals } from '../../src/boot.js';
import { createLogger } from '../../src/logger.js';
import { parseCommandLine } from '../../src/shared/index.js';
import { startLocalCluster } from '../cluster/local-cluster.js';

const MAX_NODES = 64;

const { values, fail } = parseCommandLine({
  usage: `npm run cluster -- [--nodes N] [--port PORT] [--json]

  N API processes and one worker behind a round-robin proxy, with the local services started
  once, as \`npm start\` would (or the DATABASE_URL / REDIS_URL given). Ctrl-C (SIGINT) or
  SIGTERM stops everything.

  --nodes N      API processes, 1 to ${MAX_NODES} (default 3)
  --port PORT    the proxy's port (default PORT, 3000); 0 picks free ports
  --json         once ready, print one line describing the cluster (url, node ids, ports and
                 pids) on stdout, for scripts
  -h, --help     this text
`,
  options: {
    nodes: { type: 'string', default: '3' },
    port: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const nodes = Number(values.nodes);
if (!Number.isInteger(nodes) || nodes < 1 || nodes > MAX_NODES)
  fail(`--nodes: expected a whole number from 1 to ${MAX_NODES}, got "${values.nodes}".`);
const config = configOrExit(process.env);
const logger = createLogger({ ...config, NODE_ID: 'cluster' });
const port = values.port === undefined ? config.PORT : Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535 - nodes)
  fail(`--port: expected a port from 0 to ${65535 - nodes} (the nodes take the ports after it), got "${values.port}".`);

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
