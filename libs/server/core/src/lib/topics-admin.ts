import { KafkaTopic } from '@lotwise/contracts';
import type { Admin } from 'kafkajs';

/** Creates every Lotwise topic that is missing; returns the names it created. Existing topics are left as they are. */
export async function ensureTopics(admin: Admin, partitions: number): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = Object.values(KafkaTopic).filter((topic) => !existing.has(topic));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
    });
  }
  return missing;
}
