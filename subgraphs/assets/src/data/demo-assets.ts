import { generateDemoData, type DemoAsset, type DemoVulnerability } from '../../../../demo-data';
import type { AssetDocument, VulnerabilityDocument } from './asset-document';
import { SEVERITY_ID } from './severity';

/** The demo assets of every tenant at a scale, as the assets collection stores them. */
export function demoAssetDocuments(scale: number): AssetDocument[] {
  return generateDemoData({ scale }).assets.map(assetDocumentOf);
}

function assetDocumentOf(asset: DemoAsset): AssetDocument {
  const base = {
    tenant: asset.tenant,
    uid: asset.uid,
    name: asset.name,
    criticality: asset.criticality,
    region: asset.region,
    ownerUid: asset.ownerUid,
    createdAt: asset.createdAt,
    vulnerabilities: asset.vulnerabilities.map(vulnerabilityDocumentOf),
  };
  switch (asset.kind) {
    case 'DEVICE':
      return { ...base, kind: asset.kind, hostname: asset.hostname, ip: asset.ip, type: asset.type, os: { ...asset.os } };
    case 'CLOUD_RESOURCE':
      return { ...base, kind: asset.kind, provider: asset.provider, resourceType: asset.resourceType, accountUid: asset.accountUid };
    case 'APPLICATION':
      return { ...base, kind: asset.kind, vendor: asset.vendor, version: asset.version, url: asset.url };
  }
}

function vulnerabilityDocumentOf(finding: DemoVulnerability): VulnerabilityDocument {
  return {
    uid: finding.uid,
    cve: { ...finding.cve },
    severity: finding.severity,
    severityId: SEVERITY_ID[finding.severity],
    status: finding.status,
    fixAvailable: finding.fixAvailable,
    firstSeenAt: finding.firstSeenAt,
    lastSeenAt: finding.lastSeenAt,
  };
}
