import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The live incident board (`npm run board`): a dev server on 127.0.0.1:5173, an origin the gateway's development
 * CORS allows. VITE_GATEWAY_URL names the gateway (default http://127.0.0.1:4000/graphql, where `npm start` serves it).
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  clearScreen: false,
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
});
