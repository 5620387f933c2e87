import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, DeliverPolicy, RetentionPolicy, StorageType } from '@nats-io/jetstream';
(async () => {
  const nc = await connect({ servers: '127.0.0.1:4222' });
  const jsm = await jetstreamManager(nc);
  const name = 'PALISADE_TMP_' + Date.now();
  await jsm.streams.add({ name, subjects: [name.toLowerCase() + '.>'], retention: RetentionPolicy.Limits, storage: StorageType.File, max_age: 3600 * 1e9, duplicate_window: 120 * 1e9 });
  const js = jetstream(nc);
  const subj = name.toLowerCase() + '.changes.acme.incidentChanged';
  await js.publish(subj, JSON.stringify({ id: 'e1' }), { msgID: 'e1' });
  const consumer = await js.consumers.get(name, { filter_subjects: name.toLowerCase() + '.changes.>', deliver_policy: DeliverPolicy.All } as any);
  const messages = await consumer.consume();
  setTimeout(() => js.publish(subj, JSON.stringify({ id: 'e2' }), { msgID: 'e2' }), 100);
  let n = 0;
  for await (const m of messages) { console.log('got', m.subject, m.string(), m.seq); if (++n === 2) break; }
  await jsm.streams.delete(name);
  await nc.close();
})().catch(e => { console.error(e); process.exit(1); });
