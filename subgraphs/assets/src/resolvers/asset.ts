import { toConnection, type PageArgs } from '../../../../subgraph-kit/connection';
import { uidOf, type EntityReference } from '../../../../subgraph-kit/entity-reference';
import type { SubgraphContext } from '../../../../subgraph-kit/server';
import type { AssetDocument, AssetKind } from '../data/asset-document';
import type { AssetLoaders } from '../data/loaders';
import { vulnerabilityCursorKey, vulnerabilityPage, type VulnerabilityFilter } from '../data/vulnerability-page';
import { readVulnerabilityPageRequest } from './page-request';

type Context = SubgraphContext<AssetLoaders>;

const TYPE_OF_KIND: Record<AssetKind, 'Device' | 'CloudResource' | 'Application'> = {
  DEVICE: 'Device',
  CLOUD_RESOURCE: 'CloudResource',
  APPLICATION: 'Application',
};

/**
 * The Asset interface. Other subgraphs refer to assets as `Asset` (incidents declares it an
 * @interfaceObject), so `_entities` arrives with __typename "Asset": the reference is loaded here and
 * __resolveType then names its concrete type from the stored kind.
 */
export const Asset = {
  __resolveType: (asset: AssetDocument) => TYPE_OF_KIND[asset.kind],
  __resolveReference: (reference: EntityReference, { loaders }: Context) => loaders.assetByUid.load(uidOf(reference)),
};

/** A reference resolver for one concrete type: an asset of another kind is not that entity. */
export function referenceOfKind(kind: AssetKind) {
  return async (reference: EntityReference, { loaders }: Context): Promise<AssetDocument | null> => {
    const asset = await loaders.assetByUid.load(uidOf(reference));
    return asset?.kind === kind ? asset : null;
  };
}

/**
 * Fields every asset type resolves alike. GraphQL runs field resolvers of object types only, so each
 * concrete type spreads these in.
 */
export const assetFields = {
  /** identity owns users: this subgraph returns the reference and the gateway fetches the rest. */
  owner: (asset: AssetDocument) => (asset.ownerUid ? { __typename: 'User', uid: asset.ownerUid } : null),

  vulnerabilities(asset: AssetDocument, args: PageArgs & { filter?: VulnerabilityFilter | null }) {
    const page = readVulnerabilityPageRequest(args);
    return toConnection(vulnerabilityPage(asset.vulnerabilities, args.filter ?? {}, page), page.first, vulnerabilityCursorKey);
  },
};
