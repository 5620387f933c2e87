import type { CollectionSetup, TenantDocument } from '../../../subgraph-kit/documents';
import { generateDemoData } from '../../../demo-data';

export const INDICATORS_COLLECTION = 'indicators';

/** OCSF reputation score_id by name, stored beside the name so that "at or above" is a range query. */
export const REPUTATION_SCORE = {
  UNKNOWN: 0,
  VERY_SAFE: 1,
  SAFE: 2,
  PROBABLY_SAFE: 3,
  LEANS_SAFE: 4,
  MAY_NOT_BE_SAFE: 5,
  EXERCISE_CAUTION: 6,
  SUSPICIOUS_RISKY: 7,
  POSSIBLY_MALICIOUS: 8,
  PROBABLY_MALICIOUS: 9,
  MALICIOUS: 10,
} as const;
export type Reputation = keyof typeof REPUTATION_SCORE;

/** One indicator as the collection stores it. */
export interface IndicatorDocument extends TenantDocument {
  uid: string;
  type: 'HOSTNAME' | 'IP_ADDRESS' | 'EMAIL_ADDRESS' | 'URL_STRING' | 'FILE_NAME' | 'HASH';
  value: string;
  reputation: Reputation;
  reputationScore: number;
  provider: string;
  deviceUids: string[];
  firstSeenAt: Date;
  lastSeenAt: Date;
}

const PROVIDERS = ['AbuseIPDB', 'VirusTotal', 'MISP community', 'Internal honeypot'];
const HOUR = 3_600_000;

/**
 * Demo indicators: one for every fourth demo device, on that device, from the device's own address or a file
 * hash. Derived from the shared demo data, so the device uids are the ones the assets subgraph serves.
 */
function demoIndicators(scale: number): IndicatorDocument[] {
  const devices = generateDemoData({ scale }).assets.filter((asset) => asset.kind === 'DEVICE');
  return devices
    .filter((_, index) => index % 4 === 0)
    .map((device, index) => {
      const reputation = (Object.keys(REPUTATION_SCORE) as Reputation[])[(index * 7) % 11];
      const seen = device.createdAt.getTime() + (index % 48) * HOUR;
      return {
        tenant: device.tenant,
        uid: `ioc-${device.tenant}-${String(index + 1).padStart(5, '0')}`,
        type: index % 2 === 0 ? 'IP_ADDRESS' : 'HASH',
        value: index % 2 === 0 ? device.ip : `sha256:${device.uid.padEnd(64, '0').slice(0, 64)}`,
        reputation,
        reputationScore: REPUTATION_SCORE[reputation],
        provider: PROVIDERS[index % PROVIDERS.length],
        deviceUids: [device.uid],
        firstSeenAt: new Date(seen),
        lastSeenAt: new Date(seen + 6 * HOUR),
      };
    });
}

export const INDICATORS: CollectionSetup<IndicatorDocument> = {
  name: INDICATORS_COLLECTION,
  indexes: [
    { key: { tenant: 1, uid: 1 }, name: 'tenant_uid', unique: true },
    { key: { tenant: 1, deviceUids: 1 }, name: 'tenant_device' },
    { key: { tenant: 1, lastSeenAt: -1, uid: 1 }, name: 'tenant_newest' },
  ],
  demo: demoIndicators,
};
