/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** The part an asset plays in an incident. */
export type AssetRole =
  | 'AFFECTED'
  | 'RELATED'
  | 'SOURCE'
  | 'TARGET';

/** What changed in an incident. */
export type IncidentChangeKind =
  | 'ASSIGNED'
  | 'CREATED'
  | 'FINDING_ADDED'
  /** A finding of the incident was replaced by a newer version of it (its source updated it). */
  | 'FINDING_UPDATED'
  | 'NOTE_ADDED'
  | 'SEVERITY_CHANGED'
  | 'STATUS_CHANGED';

export type IncidentFilter = {
  affectedAssetUid?: string | number | null | undefined;
  assigneeUid?: string | number | null | undefined;
  /** Created at or after this instant. */
  createdAfter?: string | null | undefined;
  /** Created before this instant. */
  createdBefore?: string | null | undefined;
  severityAtLeast?: Severity | null | undefined;
  status?: Array<IncidentStatus> | null | undefined;
};

/** OCSF incident status_id. */
export type IncidentStatus =
  | 'CLOSED'
  | 'IN_PROGRESS'
  | 'NEW'
  | 'ON_HOLD'
  | 'RESOLVED';

/** OCSF severity_id. */
export type Severity =
  | 'CRITICAL'
  | 'FATAL'
  | 'HIGH'
  | 'INFORMATIONAL'
  | 'LOW'
  | 'MEDIUM'
  | 'OTHER'
  | 'UNKNOWN';

/** OCSF user type_id. */
export type UserType =
  | 'ADMIN'
  | 'OTHER'
  | 'SERVICE'
  | 'SYSTEM'
  | 'UNKNOWN'
  | 'USER';

export type IncidentBoardQueryVariables = Exact<{ [key: string]: never; }>;


export type IncidentBoardQuery = { incidents: { totalCount: number, edges: Array<{ node: { uid: string, title: string, severity: Severity, status: IncidentStatus, createdAt: string, assignee: { uid: string, name: string, email: string | null, groups: Array<{ name: string }> } | null, affectedAssets: Array<{ role: AssetRole, asset:
            | { __typename: 'Application', uid: string, name: string, owner: { uid: string, name: string } | null }
            | { __typename: 'CloudResource', uid: string, name: string, owner: { uid: string, name: string } | null }
            | { __typename: 'Device', hostname: string, uid: string, name: string, owner: { uid: string, name: string } | null }
           | null }> } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } | null };

export type IncidentBoardPageQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
  filter?: IncidentFilter | null | undefined;
}>;


export type IncidentBoardPageQuery = { incidents: { totalCount: number, edges: Array<{ node: { uid: string, title: string, severity: Severity, status: IncidentStatus, createdAt: string, assignee: { uid: string, name: string, email: string | null, groups: Array<{ name: string }> } | null, affectedAssets: Array<{ role: AssetRole, asset:
            | { __typename: 'Application', uid: string, name: string, owner: { uid: string, name: string } | null }
            | { __typename: 'CloudResource', uid: string, name: string, owner: { uid: string, name: string } | null }
            | { __typename: 'Device', hostname: string, uid: string, name: string, owner: { uid: string, name: string } | null }
           | null }> } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } | null };

export type IncidentChangesSubscriptionVariables = Exact<{
  filter?: IncidentFilter | null | undefined;
}>;


export type IncidentChangesSubscription = { incidentChanged: { id: string, kind: IncidentChangeKind, at: string, sequence: number, incident: { uid: string, title: string, severity: Severity, status: IncidentStatus, updatedAt: string, assignee: { uid: string, name: string, groups: Array<{ name: string }> } | null, affectedAssets: Array<{ role: AssetRole, asset:
          | { __typename: 'Application', uid: string, name: string, owner: { uid: string, name: string } | null }
          | { __typename: 'CloudResource', uid: string, name: string, owner: { uid: string, name: string } | null }
          | { __typename: 'Device', uid: string, name: string, owner: { uid: string, name: string } | null }
         | null }> } } };

export type IncidentLookupQueryVariables = Exact<{
  uid: string | number;
}>;


export type IncidentLookupQuery = { incident: { uid: string } | null };

export type PeopleQueryVariables = Exact<{ [key: string]: never; }>;


export type PeopleQuery = { users: { edges: Array<{ node: { uid: string, name: string } }> } | null };

export type UserProfileQueryVariables = Exact<{
  uid: string | number;
}>;


export type UserProfileQuery = { user: { uid: string, name: string, type: UserType, hasMfa: boolean, ownedAssets: { edges: Array<{ node:
          | { __typename: 'Application', uid: string, name: string }
          | { __typename: 'CloudResource', uid: string, name: string }
          | { __typename: 'Device', hostname: string, uid: string, name: string, vulnerabilities: { edges: Array<{ node: { severity: Severity, cve: { uid: string, cvss: number | null } } }> } | null }
         }> } | null, incidents: { totalCount: number } | null } | null };

export type PartnerIncidentChangesSubscriptionVariables = Exact<{
  severityAtLeast?: Severity | null | undefined;
}>;


export type PartnerIncidentChangesSubscription = { incidentChanged: { id: string, kind: IncidentChangeKind, at: string, incident: { uid: string, title: string, severity: Severity, status: IncidentStatus } } };

export type PartnerIncidentsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  severityAtLeast?: Severity | null | undefined;
}>;


export type PartnerIncidentsQuery = { incidents: { totalCount: number, edges: Array<{ node: { uid: string, title: string, severity: Severity, status: IncidentStatus } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } | null };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const IncidentBoardDocument = new TypedDocumentString(`
    query IncidentBoard {
  incidents(
    first: 50
    filter: {severityAtLeast: HIGH, status: [NEW, IN_PROGRESS]}
  ) {
    totalCount
    edges {
      node {
        uid
        title
        severity
        status
        createdAt
        assignee {
          uid
          name
          email
          groups {
            name
          }
        }
        affectedAssets {
          role
          asset {
            __typename
            uid
            name
            owner {
              uid
              name
            }
            ... on Device {
              hostname
            }
          }
        }
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `, {"hash":"sha256:ddcc1f07d42da3b4195e97d0763c9c0d77c1e51dc30b78c0866a05f1e550dcea"}) as unknown as TypedDocumentString<IncidentBoardQuery, IncidentBoardQueryVariables>;
export const IncidentBoardPageDocument = new TypedDocumentString(`
    query IncidentBoardPage($first: Int!, $after: String, $filter: IncidentFilter) {
  incidents(first: $first, after: $after, filter: $filter) {
    totalCount
    edges {
      node {
        uid
        title
        severity
        status
        createdAt
        assignee {
          uid
          name
          email
          groups {
            name
          }
        }
        affectedAssets {
          role
          asset {
            __typename
            uid
            name
            owner {
              uid
              name
            }
            ... on Device {
              hostname
            }
          }
        }
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `, {"hash":"sha256:064d900569bacf9ec0319a549011609394c8002a7bf6cf9be27e3281845e9c16"}) as unknown as TypedDocumentString<IncidentBoardPageQuery, IncidentBoardPageQueryVariables>;
export const IncidentChangesDocument = new TypedDocumentString(`
    subscription IncidentChanges($filter: IncidentFilter) {
  incidentChanged(filter: $filter) {
    id
    kind
    at
    sequence
    incident {
      uid
      title
      severity
      status
      updatedAt
      assignee {
        uid
        name
        groups {
          name
        }
      }
      affectedAssets {
        role
        asset {
          __typename
          uid
          name
          owner {
            uid
            name
          }
        }
      }
    }
  }
}
    `, {"hash":"sha256:744bca641c6cc40096faca837f9b342ada173b01fe5f4d22442388a87e87823e"}) as unknown as TypedDocumentString<IncidentChangesSubscription, IncidentChangesSubscriptionVariables>;
export const IncidentLookupDocument = new TypedDocumentString(`
    query IncidentLookup($uid: ID!) {
  incident(uid: $uid) {
    uid
  }
}
    `, {"hash":"sha256:be3311dbecd09a23c340beb6b4f5d57b964c8f9c160f6b649d81ea7ff78a6a52"}) as unknown as TypedDocumentString<IncidentLookupQuery, IncidentLookupQueryVariables>;
export const PeopleDocument = new TypedDocumentString(`
    query People {
  users(first: 5) {
    edges {
      node {
        uid
        name
      }
    }
  }
}
    `, {"hash":"sha256:44666e711c41142048783d5a82b76bad40db8cb41b6f6474475c6d42a91d0a1b"}) as unknown as TypedDocumentString<PeopleQuery, PeopleQueryVariables>;
export const UserProfileDocument = new TypedDocumentString(`
    query UserProfile($uid: ID!) {
  user(uid: $uid) {
    uid
    name
    type
    hasMfa
    ownedAssets(first: 10) {
      edges {
        node {
          __typename
          uid
          name
          ... on Device {
            hostname
            vulnerabilities(first: 5) {
              edges {
                node {
                  cve {
                    uid
                    cvss
                  }
                  severity
                }
              }
            }
          }
        }
      }
    }
    incidents(first: 10) {
      totalCount
    }
  }
}
    `, {"hash":"sha256:960ecd7ff109ad92aa55eb918560ca6199ce8647c4845159e095dca44fbe5110"}) as unknown as TypedDocumentString<UserProfileQuery, UserProfileQueryVariables>;
export const PartnerIncidentChangesDocument = new TypedDocumentString(`
    subscription PartnerIncidentChanges($severityAtLeast: Severity) {
  incidentChanged(filter: {severityAtLeast: $severityAtLeast}) {
    id
    kind
    at
    incident {
      uid
      title
      severity
      status
    }
  }
}
    `, {"hash":"sha256:481d8ca28068b92cc9ea16b3da89a3f738f18186cc27615768d202f2e7e97ca5"}) as unknown as TypedDocumentString<PartnerIncidentChangesSubscription, PartnerIncidentChangesSubscriptionVariables>;
export const PartnerIncidentsDocument = new TypedDocumentString(`
    query PartnerIncidents($first: Int = 20, $after: String, $severityAtLeast: Severity) {
  incidents(
    first: $first
    after: $after
    filter: {severityAtLeast: $severityAtLeast}
  ) {
    totalCount
    edges {
      node {
        uid
        title
        severity
        status
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `, {"hash":"sha256:9ce0444460d88fdbc519ce47761854121a329e50d17e25d8ab47658143a5816e"}) as unknown as TypedDocumentString<PartnerIncidentsQuery, PartnerIncidentsQueryVariables>;