import { assetFields, referenceOfKind } from './asset';

/** OCSF Application; vendor, version and url are stored under the same names. */
export const Application = {
  __resolveReference: referenceOfKind('APPLICATION'),
  ...assetFields,
};
