// The explorer page's script: GraphiQL from the gateway's own copy of its npm package, configured by the JSON
// block the page carries. A plain script file: the page's Content-Security-Policy allows no inline script.
(function start() {
  const config = JSON.parse(document.getElementById('palisade-explorer').textContent);
  // Subscriptions go over WebSocket (graphql-transport-ws), with the development token in connection_init.
  const webSocketUrl = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${config.endpoint}`;
  const authorization = config.headers.Authorization;
  const fetcher = GraphiQL.createFetcher({ url: config.endpoint, subscriptionUrl: webSocketUrl, wsConnectionParams: authorization ? { authorization } : undefined });
  const explorer = React.createElement(GraphiQL, {
    fetcher,
    defaultHeaders: JSON.stringify(config.headers, null, 2),
    defaultTabs: config.operations.map((operation) => ({ query: operation.body, variables: operation.variables })),
    defaultEditorToolsVisibility: config.headers.Authorization ? 'headers' : true,
    shouldPersistHeaders: false,
  });
  ReactDOM.createRoot(document.getElementById('explorer')).render(explorer);
})();
