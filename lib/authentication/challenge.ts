/**
 * The WWW-Authenticate challenge of a refused request (RFC 6750): a request without a bearer token (none, or
 * another scheme) gets the bare challenge; a refused token gets invalid_token and why.
 */
export function bearerChallenge(reason: string, authorizationHeader: string | undefined): string {
  return /^bearer\s/i.test(authorizationHeader ?? '') ? `Bearer error="invalid_token", error_description="${quotedStringContent(reason)}"` : 'Bearer';
}

/** A header's quoted-string holds printable ASCII only, with `"` and `\` escaped. */
function quotedStringContent(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, '\\$&');
}
