import { invalid, MAX_UID_LENGTH, type Fields } from './fields';
import { DEVICE_TYPE, OS_TYPE } from './ocsf-enums';
import { EventRejected, RejectionCode } from './rejection';

/** An OCSF Device, as far as Palisade reads it. */
export interface DeviceSnapshot {
  uid: string;
  hostname?: string;
  name?: string;
  ip?: string;
  /** OCSF device type_id. */
  typeId: number;
  os?: { name: string; typeId: number; version?: string };
  region?: string;
  /** device.owner.uid: the user accountable for it. */
  ownerUid?: string;
}

export const CLOUD_PROVIDERS = ['AWS', 'AZURE', 'GCP', 'OCI'] as const;
export type CloudProvider = (typeof CLOUD_PROVIDERS)[number];

/** An OCSF Resource Details entry of a cloud resource, with the event's cloud object. */
export interface CloudResourceSnapshot {
  uid: string;
  name?: string;
  /** The provider's resource type, e.g. AWS::S3::Bucket. */
  type: string;
  region?: string;
  provider: CloudProvider;
  /** cloud.account.uid: the account, subscription or project that holds it. */
  accountUid?: string;
}

export type AffectedAsset = { kind: 'device'; device: DeviceSnapshot } | { kind: 'cloud-resource'; resource: CloudResourceSnapshot };

/**
 * The one asset an event is about: its `device`, or else the single entry of `resources` (with `cloud` naming
 * the provider). Several resources in one event are refused: producers send one event per affected resource,
 * so that each asset's state has one version per event.
 */
export function readAffectedAsset(event: Fields, required: boolean): AffectedAsset | undefined {
  const device = event.object('device', 'the affected device', 'optional');
  if (device) return { kind: 'device', device: readDevice(device) };
  const resources = event.objects('resources', 'affected resources', 50, 'optional');
  if (resources.length === 0) {
    if (!required) return undefined;
    throw new EventRejected(RejectionCode.MISSING_FIELD, 'device or resources is required: the device or cloud resource the event is about');
  }
  if (resources.length > 1) {
    throw invalid(event.at('resources'), `a list of one resource: send one event per affected resource (got ${resources.length})`);
  }
  return { kind: 'cloud-resource', resource: readCloudResource(resources[0], event.object('cloud', 'the cloud the resource is in: its provider, region and account')) };
}

export function readDevice(device: Fields): DeviceSnapshot {
  const hostname = device.string('hostname', { what: "the device's hostname", max: 255 }, 'optional');
  const name = device.string('name', { what: "the device's name" }, 'optional');
  if (hostname === undefined && name === undefined) {
    throw new EventRejected(RejectionCode.MISSING_FIELD, `${device.at('hostname')} or ${device.at('name')} is required: how people name the device`);
  }
  const os = device.object('os', "the device's operating system", 'optional');
  const owner = device.object('owner', 'the user accountable for the device', 'optional');
  return {
    uid: device.uid('uid', "the device's unique id, which Palisade keys it by"),
    hostname,
    name,
    ip: device.ip('ip', "the device's IP address"),
    typeId: device.enumId('type_id', 'the device type', DEVICE_TYPE),
    os: os && {
      name: os.string('name', { what: "the operating system's name" }),
      typeId: os.enumId('type_id', 'the operating system type', OS_TYPE),
      version: os.string('version', { what: "the operating system's version", max: 128 }, 'optional'),
    },
    region: device.string('region', { what: "the device's region", max: 128 }, 'optional'),
    ownerUid: owner?.uid('uid', "the owner's user uid", 'optional'),
  };
}

function readCloudResource(resource: Fields, cloud: Fields): CloudResourceSnapshot {
  const account = cloud.object('account', 'the cloud account', 'optional');
  return {
    uid: resource.uid('uid', "the resource's unique id, which Palisade keys it by"),
    name: resource.string('name', { what: "the resource's name" }, 'optional'),
    type: resource.string('type', { what: "the provider's resource type, e.g. AWS::S3::Bucket", max: 256 }),
    region: resource.string('region', { what: "the resource's region", max: 128 }, 'optional') ?? cloud.string('region', { what: 'the cloud region', max: 128 }, 'optional'),
    provider: readProvider(cloud),
    accountUid: account?.uid('uid', 'the cloud account id', 'optional'),
  };
}

/** OCSF cloud.provider is free text ("AWS", "Azure", "GCP", "OCI"); Palisade knows these four, in any case. */
function readProvider(cloud: Fields): CloudProvider {
  const raw = cloud.string('provider', { what: `the cloud provider, one of ${CLOUD_PROVIDERS.join(', ')}`, max: MAX_UID_LENGTH });
  const provider = raw.trim().toUpperCase();
  if (!(CLOUD_PROVIDERS as readonly string[]).includes(provider)) throw invalid(cloud.at('provider'), `one of ${CLOUD_PROVIDERS.join(', ')} (the cloud provider)`);
  return provider as CloudProvider;
}
