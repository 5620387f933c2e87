/** Entities other subgraphs own, referred to by uid; the gateway fetches their fields from their owner. */
export function userReference(uid: string) {
  return { __typename: 'User' as const, uid };
}

export function groupReference(uid: string) {
  return { __typename: 'Group' as const, uid };
}

export function assetReference(uid: string) {
  return { __typename: 'Asset' as const, uid };
}
