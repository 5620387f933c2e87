import type { AffectedAsset } from '../../../../lib/ingestion/affected-asset';
import type { EventOf } from '../../../../lib/ingestion/event';
import { DuplicateKeyError, TenantScopedBulkWrite, type DocumentDatabase } from '../../../../subgraph-kit/documents';
import { stateVersion, type AnyEventConsumer, type EventWriter } from '../../../../subgraph-kit/ingestion';
import { ASSETS_COLLECTION, type AssetDocument } from '../data/asset-document';
import { assetUpdate, cloudResourceAttributes, deviceAttributes, statedFinding } from './asset-writes';

/**
 * Device inventory outranks what a scanner says about a device: a Device Inventory Info sets the device's
 * attributes over any Vulnerability Finding's view of them, whatever their times; among events of one rank,
 * the newest wins. A device first named by a scanner is created from the scanner's view.
 */
const INVENTORY_RANK = 1;
const FINDING_RANK = 0;

/** Device Inventory Info (5001): the device, created when unknown; one bulk write per batch. */
export function deviceInventoryWriter(database: DocumentDatabase): EventWriter<5001> {
  return {
    write: (events) =>
      writeAssets(database, events, (write, event) => {
        const { device } = event.body;
        write.updateOne(event.tenant, { uid: device.uid, kind: 'DEVICE' }, assetUpdate(deviceAttributes(device), stateVersion(event, INVENTORY_RANK), new Date(event.time)), { upsert: true });
      }),
  };
}

/**
 * Vulnerability Finding (2002): the device or cloud resource it names, created when unknown, and its findings,
 * one per CVE on the asset; a later event (a Close, a Resolved status) closes a finding. One bulk write per batch.
 */
export function vulnerabilityFindingWriter(database: DocumentDatabase): EventWriter<2002> {
  return {
    write: (events) =>
      writeAssets(database, events, (write, event) => {
        const { asset, statusId, vulnerabilities } = event.body;
        const version = stateVersion(event, FINDING_RANK);
        const findings = { uidPrefix: uidOf(asset), stated: vulnerabilities.map((vulnerability) => statedFinding(vulnerability, statusId, version)) };
        const attributes = asset.kind === 'device' ? deviceAttributes(asset.device) : cloudResourceAttributes(asset.resource);
        write.updateOne(event.tenant, { uid: uidOf(asset), kind: kindOf(asset) }, assetUpdate(attributes, version, new Date(event.time), findings), { upsert: true });
      }),
  };
}

/** The classes the assets subgraph consumes. */
export const ASSET_EVENT_CONSUMERS: ReadonlyArray<AnyEventConsumer<DocumentDatabase>> = [
  { classUid: 2002, createWriter: vulnerabilityFindingWriter },
  { classUid: 5001, createWriter: deviceInventoryWriter },
];

async function writeAssets<C extends 2002 | 5001>(database: DocumentDatabase, events: EventOf<C>[], add: (write: TenantScopedBulkWrite<AssetDocument>, event: EventOf<C>) => void): Promise<void> {
  const write = new TenantScopedBulkWrite(database.collection<AssetDocument>(ASSETS_COLLECTION));
  for (const event of events) add(write, event);
  try {
    await write.execute();
  } catch (error) {
    // The upsert found no asset of this kind but one with the uid: one uid names one asset, of one kind.
    if (error instanceof DuplicateKeyError && events.length === 1) {
      throw new Error('the uid names a stored asset of another kind (a uid names one asset: a device, a cloud resource or an application)', { cause: error });
    }
    throw error;
  }
}

function uidOf(asset: AffectedAsset): string {
  return asset.kind === 'device' ? asset.device.uid : asset.resource.uid;
}

function kindOf(asset: AffectedAsset): AssetDocument['kind'] {
  return asset.kind === 'device' ? 'DEVICE' : 'CLOUD_RESOURCE';
}
