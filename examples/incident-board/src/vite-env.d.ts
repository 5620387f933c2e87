/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The gateway's GraphQL endpoint; http://127.0.0.1:4000/graphql when unset. */
  readonly VITE_GATEWAY_URL?: string;
}
