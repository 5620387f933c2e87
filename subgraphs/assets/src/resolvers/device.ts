import { assetFields, referenceOfKind } from './asset';

/** OCSF Device; its own fields (hostname, ip, type, os) are stored under the same names. */
export const Device = {
  __resolveReference: referenceOfKind('DEVICE'),
  ...assetFields,
};
