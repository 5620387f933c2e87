/** Who the board shows data for: a token, and what it says of its holder (for display only: the gateway verifies it). */
export interface Session {
  token: string;
  subject: string;
  tenant: string;
  /** Seconds since the epoch. */
  expiresAt: number | undefined;
}

/**
 * The token comes from the address, `#token=<JWT>` (a fragment: never sent to a server nor in a Referer), or, in
 * development only, from the gateway's /explorer/token, which a development gateway answers with the token its
 * explorer opens with (acme's demo user) and a production gateway does not serve. Without either, why not.
 */
export async function openSession(gatewayUrl: string): Promise<Session | { problem: string }> {
  const fromAddress = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromAddress) return sessionOf(fromAddress);
  if (!import.meta.env.DEV) return { problem: 'The board needs a user token.' };
  let response: Response;
  try {
    response = await fetch(new URL('/explorer/token', gatewayUrl));
  } catch {
    return { problem: `The gateway at ${gatewayUrl} did not answer: is npm start running?` };
  }
  if (!response.ok) return { problem: `The gateway at ${gatewayUrl} hands out no development token (it runs in production, or verifies tokens of an identity provider).` };
  const { token } = (await response.json()) as { token: string };
  return sessionOf(token);
}

function sessionOf(token: string): Session {
  const claims = decodeClaims(token);
  return {
    token,
    subject: typeof claims.sub === 'string' ? claims.sub : 'unknown user',
    tenant: typeof claims.tenant === 'string' ? claims.tenant : 'unknown tenant',
    expiresAt: typeof claims.exp === 'number' ? claims.exp : undefined,
  };
}

function decodeClaims(token: string): Record<string, unknown> {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(payload)) as Record<string, unknown>;
  } catch {
    return {};
  }
}
