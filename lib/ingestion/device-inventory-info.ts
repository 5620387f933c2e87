import { readDevice, type DeviceSnapshot } from './affected-asset';
import type { Fields } from './fields';

/** OCSF Device Inventory Info (class 5001): what an inventory knows about one device now. */
export interface DeviceInventoryInfo {
  device: DeviceSnapshot;
}

export function readDeviceInventoryInfo(event: Fields): DeviceInventoryInfo {
  return { device: readDevice(event.object('device', 'the device the inventory describes')) };
}
