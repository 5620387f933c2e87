import type { TenantDocument } from '../../../../subgraph-kit/documents';
import type { AssetRecord, VulnerabilityRecord } from '../../../../demo-data';

/** The collection holding one document per asset, its vulnerability findings embedded. */
export const ASSETS_COLLECTION = 'assets';

/** An asset as stored: the demo data generator writes exactly this shape; `kind` tells which one it is. */
export type AssetDocument = AssetRecord & TenantDocument;
export type AssetKind = AssetDocument['kind'];
export type Criticality = AssetDocument['criticality'];

/** A vulnerability finding as embedded in its asset. */
export type VulnerabilityDocument = VulnerabilityRecord;
export type FindingStatus = VulnerabilityDocument['status'];
