/**
 * The ingest baseline (bench phase `ingest`), run as a child process of the bench so that it has an event loop
 * and a CPU account of its own, like the api: a bare `node:http` server that produces each POST body to Kafka
 * with a kafkajs producer (acks=all, no database) and answers 202 once the produce resolved. kafkajs' default
 * producer (not idempotent, no in-flight limit), so concurrent POSTs are concurrent produce requests.
 *
 * Self-contained on purpose (node:http and kafkajs only): it is forked with the bench's own tsx loader.
 * Arguments: <kafka port> <topic>. Sends { port } to the parent once it listens on an ephemeral port.
 */
import { Kafka, logLevel } from 'kafkajs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

async function main(): Promise<void> {
  const [kafkaPort, topic] = process.argv.slice(2);
  if (!kafkaPort || !topic) throw new Error('usage: ingest-baseline-server <kafka port> <topic>');
  const kafka = new Kafka({
    clientId: 'lotwise-bench-baseline',
    brokers: [`127.0.0.1:${kafkaPort}`],
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let trade: { account?: string; symbol?: string };
      try {
        trade = JSON.parse(body.toString('utf8')) as { account?: string; symbol?: string };
      } catch {
        res.writeHead(400).end();
        return;
      }
      // Keyed like the api's outbox rows (account|symbol), so the partitions share the load the same way.
      const key = `${trade.account ?? 'default'}|${trade.symbol ?? ''}`;
      producer.send({ topic, acks: -1, messages: [{ key, value: body }] }).then(
        () => {
          const answer = JSON.stringify({ ...trade, status: 'PENDING' });
          res.writeHead(202, {
            'content-type': 'application/json; charset=utf-8',
            'content-length': Buffer.byteLength(answer),
          });
          res.end(answer);
        },
        () => res.writeHead(503).end(),
      );
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    process.send?.({ port: (server.address() as AddressInfo).port });
  });
  process.on('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    void producer.disconnect().finally(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
