import { assetFields, referenceOfKind } from './asset';

/** OCSF Cloud resource; provider, resourceType and accountUid are stored under the same names. */
export const CloudResource = {
  __resolveReference: referenceOfKind('CLOUD_RESOURCE'),
  ...assetFields,
};
