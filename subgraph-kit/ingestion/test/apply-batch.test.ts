import { StoreUnavailableError } from '../../store-errors';
import { applyBatch } from '../apply-batch';
import { deviceEvent, RecordingWriter } from './recording-writer';

const delivered = (...values: unknown[]) => values.map((value) => ({ tenant: 'acme', value }));

describe('applyBatch', () => {
  it('writes the valid events of a batch in one write and rejects each invalid one with its reason', async () => {
    const writer = new RecordingWriter();
    const outcomes = await applyBatch(5001, writer, delivered(deviceEvent(1), 'not json', deviceEvent(2, { class_uid: 5003 }), deviceEvent(3), { ...deviceEvent(4), metadata: { uid: 'x', tenant_uid: 'globex' } }));
    expect(writer.batchSizes).toEqual([2]);
    expect(outcomes.map((outcome) => (outcome.status === 'rejected' ? outcome.rejection.code : outcome.status))).toEqual([
      'applied',
      'MALFORMED_JSON',
      'UNSUPPORTED_CLASS',
      'applied',
      'TENANT_MISMATCH',
    ]);
  });

  it('when the batch write fails, writes the events one by one: the one the store refuses fails alone, the others are applied', async () => {
    const writer = new RecordingWriter();
    writer.poisoned.add('device-2');
    const outcomes = await applyBatch(5001, writer, delivered(deviceEvent(1), deviceEvent(2), deviceEvent(3)));
    expect(outcomes).toEqual([{ status: 'applied' }, { status: 'failed', reason: 'Error: the test store refuses device device-2' }, { status: 'applied' }]);
    expect(writer.batchSizes).toEqual([3, 1, 1, 1]);
    expect([...writer.applied.keys()]).toEqual(['event-1', 'event-3']);
  });

  it('passes StoreUnavailableError on, deciding nothing about any event', async () => {
    const writer = new RecordingWriter();
    writer.unavailableCalls = 1;
    await expect(applyBatch(5001, writer, delivered(deviceEvent(1), deviceEvent(2)))).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(writer.applied.size).toBe(0);
  });

  it('writes nothing when no event is valid', async () => {
    const writer = new RecordingWriter();
    expect(await applyBatch(5001, writer, delivered(42))).toEqual([{ status: 'rejected', rejection: expect.objectContaining({ code: 'MALFORMED_JSON' }) }]);
    expect(writer.batchSizes).toEqual([]);
  });
});
