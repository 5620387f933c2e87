/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query IncidentBoard {\n  incidents(\n    first: 50\n    filter: {severityAtLeast: HIGH, status: [NEW, IN_PROGRESS]}\n  ) {\n    totalCount\n    edges {\n      node {\n        uid\n        title\n        severity\n        status\n        createdAt\n        assignee {\n          uid\n          name\n          email\n          groups {\n            name\n          }\n        }\n        affectedAssets {\n          role\n          asset {\n            __typename\n            uid\n            name\n            owner {\n              uid\n              name\n            }\n            ... on Device {\n              hostname\n            }\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": typeof types.IncidentBoardDocument,
    "query IncidentBoardPage($first: Int!, $after: String, $filter: IncidentFilter) {\n  incidents(first: $first, after: $after, filter: $filter) {\n    totalCount\n    edges {\n      node {\n        uid\n        title\n        severity\n        status\n        createdAt\n        assignee {\n          uid\n          name\n          email\n          groups {\n            name\n          }\n        }\n        affectedAssets {\n          role\n          asset {\n            __typename\n            uid\n            name\n            owner {\n              uid\n              name\n            }\n            ... on Device {\n              hostname\n            }\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": typeof types.IncidentBoardPageDocument,
    "subscription IncidentChanges($filter: IncidentFilter) {\n  incidentChanged(filter: $filter) {\n    id\n    kind\n    at\n    sequence\n    incident {\n      uid\n      title\n      severity\n      status\n      updatedAt\n      assignee {\n        uid\n        name\n        groups {\n          name\n        }\n      }\n      affectedAssets {\n        role\n        asset {\n          __typename\n          uid\n          name\n          owner {\n            uid\n            name\n          }\n        }\n      }\n    }\n  }\n}": typeof types.IncidentChangesDocument,
    "query IncidentLookup($uid: ID!) {\n  incident(uid: $uid) {\n    uid\n  }\n}": typeof types.IncidentLookupDocument,
    "query People {\n  users(first: 5) {\n    edges {\n      node {\n        uid\n        name\n      }\n    }\n  }\n}": typeof types.PeopleDocument,
    "query UserProfile($uid: ID!) {\n  user(uid: $uid) {\n    uid\n    name\n    type\n    hasMfa\n    ownedAssets(first: 10) {\n      edges {\n        node {\n          __typename\n          uid\n          name\n          ... on Device {\n            hostname\n            vulnerabilities(first: 5) {\n              edges {\n                node {\n                  cve {\n                    uid\n                    cvss\n                  }\n                  severity\n                }\n              }\n            }\n          }\n        }\n      }\n    }\n    incidents(first: 10) {\n      totalCount\n    }\n  }\n}": typeof types.UserProfileDocument,
    "subscription PartnerIncidentChanges($severityAtLeast: Severity) {\n  incidentChanged(filter: {severityAtLeast: $severityAtLeast}) {\n    id\n    kind\n    at\n    incident {\n      uid\n      title\n      severity\n      status\n    }\n  }\n}": typeof types.PartnerIncidentChangesDocument,
    "query PartnerIncidents($first: Int = 20, $after: String, $severityAtLeast: Severity) {\n  incidents(\n    first: $first\n    after: $after\n    filter: {severityAtLeast: $severityAtLeast}\n  ) {\n    totalCount\n    edges {\n      node {\n        uid\n        title\n        severity\n        status\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": typeof types.PartnerIncidentsDocument,
};
const documents: Documents = {
    "query IncidentBoard {\n  incidents(\n    first: 50\n    filter: {severityAtLeast: HIGH, status: [NEW, IN_PROGRESS]}\n  ) {\n    totalCount\n    edges {\n      node {\n        uid\n        title\n        severity\n        status\n        createdAt\n        assignee {\n          uid\n          name\n          email\n          groups {\n            name\n          }\n        }\n        affectedAssets {\n          role\n          asset {\n            __typename\n            uid\n            name\n            owner {\n              uid\n              name\n            }\n            ... on Device {\n              hostname\n            }\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": types.IncidentBoardDocument,
    "query IncidentBoardPage($first: Int!, $after: String, $filter: IncidentFilter) {\n  incidents(first: $first, after: $after, filter: $filter) {\n    totalCount\n    edges {\n      node {\n        uid\n        title\n        severity\n        status\n        createdAt\n        assignee {\n          uid\n          name\n          email\n          groups {\n            name\n          }\n        }\n        affectedAssets {\n          role\n          asset {\n            __typename\n            uid\n            name\n            owner {\n              uid\n              name\n            }\n            ... on Device {\n              hostname\n            }\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": types.IncidentBoardPageDocument,
    "subscription IncidentChanges($filter: IncidentFilter) {\n  incidentChanged(filter: $filter) {\n    id\n    kind\n    at\n    sequence\n    incident {\n      uid\n      title\n      severity\n      status\n      updatedAt\n      assignee {\n        uid\n        name\n        groups {\n          name\n        }\n      }\n      affectedAssets {\n        role\n        asset {\n          __typename\n          uid\n          name\n          owner {\n            uid\n            name\n          }\n        }\n      }\n    }\n  }\n}": types.IncidentChangesDocument,
    "query IncidentLookup($uid: ID!) {\n  incident(uid: $uid) {\n    uid\n  }\n}": types.IncidentLookupDocument,
    "query People {\n  users(first: 5) {\n    edges {\n      node {\n        uid\n        name\n      }\n    }\n  }\n}": types.PeopleDocument,
    "query UserProfile($uid: ID!) {\n  user(uid: $uid) {\n    uid\n    name\n    type\n    hasMfa\n    ownedAssets(first: 10) {\n      edges {\n        node {\n          __typename\n          uid\n          name\n          ... on Device {\n            hostname\n            vulnerabilities(first: 5) {\n              edges {\n                node {\n                  cve {\n                    uid\n                    cvss\n                  }\n                  severity\n                }\n              }\n            }\n          }\n        }\n      }\n    }\n    incidents(first: 10) {\n      totalCount\n    }\n  }\n}": types.UserProfileDocument,
    "subscription PartnerIncidentChanges($severityAtLeast: Severity) {\n  incidentChanged(filter: {severityAtLeast: $severityAtLeast}) {\n    id\n    kind\n    at\n    incident {\n      uid\n      title\n      severity\n      status\n    }\n  }\n}": types.PartnerIncidentChangesDocument,
    "query PartnerIncidents($first: Int = 20, $after: String, $severityAtLeast: Severity) {\n  incidents(\n    first: $first\n    after: $after\n    filter: {severityAtLeast: $severityAtLeast}\n  ) {\n    totalCount\n    edges {\n      node {\n        uid\n        title\n        severity\n        status\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": types.PartnerIncidentsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query IncidentBoard {\n  incidents(\n    first: 50\n    filter: {severityAtLeast: HIGH, status: [NEW, IN_PROGRESS]}\n  ) {\n    totalCount\n    edges {\n      node {\n        uid\n        title\n        severity\n        status\n        createdAt\n        assignee {\n          uid\n          name\n          email\n          groups {\n            name\n          }\n        }\n        affectedAssets {\n          role\n          asset {\n            __typename\n            uid\n            name\n            owner {\n              uid\n              name\n            }\n            ... on Device {\n              hostname\n            }\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"): typeof import('./graphql').IncidentBoardDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query IncidentBoardPage($first: Int!, $after: String, $filter: IncidentFilter) {\n  incidents(first: $first, after: $after, filter: $filter) {\n    totalCount\n    edges {\n      node {\n        uid\n        title\n        severity\n        status\n        createdAt\n        assignee {\n          uid\n          name\n          email\n          groups {\n            name\n          }\n        }\n        affectedAssets {\n          role\n          asset {\n            __typename\n            uid\n            name\n            owner {\n              uid\n              name\n            }\n            ... on Device {\n              hostname\n            }\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"): typeof import('./graphql').IncidentBoardPageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription IncidentChanges($filter: IncidentFilter) {\n  incidentChanged(filter: $filter) {\n    id\n    kind\n    at\n    sequence\n    incident {\n      uid\n      title\n      severity\n      status\n      updatedAt\n      assignee {\n        uid\n        name\n        groups {\n          name\n        }\n      }\n      affectedAssets {\n        role\n        asset {\n          __typename\n          uid\n          name\n          owner {\n            uid\n            name\n          }\n        }\n      }\n    }\n  }\n}"): typeof import('./graphql').IncidentChangesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query IncidentLookup($uid: ID!) {\n  incident(uid: $uid) {\n    uid\n  }\n}"): typeof import('./graphql').IncidentLookupDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query People {\n  users(first: 5) {\n    edges {\n      node {\n        uid\n        name\n      }\n    }\n  }\n}"): typeof import('./graphql').PeopleDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query UserProfile($uid: ID!) {\n  user(uid: $uid) {\n    uid\n    name\n    type\n    hasMfa\n    ownedAssets(first: 10) {\n      edges {\n        node {\n          __typename\n          uid\n          name\n          ... on Device {\n            hostname\n            vulnerabilities(first: 5) {\n              edges {\n                node {\n                  cve {\n                    uid\n                    cvss\n                  }\n                  severity\n                }\n              }\n            }\n          }\n        }\n      }\n    }\n    incidents(first: 10) {\n      totalCount\n    }\n  }\n}"): typeof import('./graphql').UserProfileDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription PartnerIncidentChanges($severityAtLeast: Severity) {\n  incidentChanged(filter: {severityAtLeast: $severityAtLeast}) {\n    id\n    kind\n    at\n    incident {\n      uid\n      title\n      severity\n      status\n    }\n  }\n}"): typeof import('./graphql').PartnerIncidentChangesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PartnerIncidents($first: Int = 20, $after: String, $severityAtLeast: Severity) {\n  incidents(\n    first: $first\n    after: $after\n    filter: {severityAtLeast: $severityAtLeast}\n  ) {\n    totalCount\n    edges {\n      node {\n        uid\n        title\n        severity\n        status\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"): typeof import('./graphql').PartnerIncidentsDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
