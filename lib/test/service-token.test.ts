import { createHmac, randomBytes } from 'node:crypto';
import { signPrincipal } from '../principal';
import { ServiceTokenRejected, signServiceToken, verifyServiceToken } from '../service-token';

const secret = randomBytes(32);
const NOW = Date.parse('2026-12-07T12:00:00Z');

function rejection(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ServiceTokenRejected);
    return (error as Error).message;
  }
  throw new Error('the token was accepted');
}

describe('service token', () => {
  test('a token signed for a purpose verifies for that purpose until it expires', () => {
    const token = signServiceToken('changes', secret, NOW, 60);
    expect(verifyServiceToken(token, 'changes', secret, NOW)).toEqual({ purpose: 'changes', exp: NOW / 1000 + 60 });
    expect(verifyServiceToken(token, 'changes', secret, NOW + 59_000).purpose).toBe('changes');
    expect(rejection(() => verifyServiceToken(token, 'changes', secret, NOW + 61_000))).toBe('expired service token');
  });

  test('a missing header is refused with the header name', () => {
    expect(rejection(() => verifyServiceToken(undefined, 'changes', secret, NOW))).toMatch(/missing x-palisade-service-token header/);
    expect(rejection(() => verifyServiceToken('', 'changes', secret, NOW))).toMatch(/missing/);
  });

  test('another secret, another purpose, a changed body are refused', () => {
    const token = signServiceToken('changes', secret, NOW);
    expect(rejection(() => verifyServiceToken(token, 'changes', randomBytes(32), NOW))).toBe('invalid service token signature');
    expect(rejection(() => verifyServiceToken(signServiceToken('other', secret, NOW), 'changes', secret, NOW))).toBe(
      'service token is for "other", not "changes"',
    );
    const [, signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ purpose: 'changes', exp: NOW / 1000 + 600 })).toString('base64url');
    expect(rejection(() => verifyServiceToken(`${forged}.${signature}`, 'changes', secret, NOW))).toBe('invalid service token signature');
  });

  test('malformed input is refused with a reason, never a crash', () => {
    for (const header of ['nodot', 'a.b.c', '.sig', 'body.', 'x'.repeat(600)]) {
      expect(rejection(() => verifyServiceToken(header, 'changes', secret, NOW))).toBe('malformed service token');
    }
    // Correctly signed, but not a payload: the signature alone does not make it a token.
    for (const payload of ['not json', '"a string"', 'null', '{"purpose":"changes"}', '{"exp":1}']) {
      const body = Buffer.from(payload).toString('base64url');
      expect(rejection(() => verifyServiceToken(`${body}.${macOf(body)}`, 'changes', secret, NOW))).toBe('malformed service token');
    }
  });

  test('an expiry further ahead than a service would mint is refused', () => {
    const body = Buffer.from(JSON.stringify({ purpose: 'changes', exp: NOW / 1000 + 86_400 })).toString('base64url');
    expect(rejection(() => verifyServiceToken(`${body}.${macOf(body)}`, 'changes', secret, NOW))).toBe('service token expires too far ahead');
    expect(() => signServiceToken('changes', secret, NOW, 86_400)).toThrow(TypeError);
  });

  test('a principal header signed with the same secret is not a service token', () => {
    const principal = signPrincipal({ sub: 'gateway', tenant: 'acme', kind: 'script', scopes: [] }, secret, NOW);
    expect(rejection(() => verifyServiceToken(principal, 'changes', secret, NOW))).toBe('invalid service token signature');
  });

  test('a purpose is a short word', () => {
    expect(() => signServiceToken('Changes and more', secret, NOW)).toThrow(TypeError);
  });
});

/** The MAC as the module computes it, to build correctly signed bodies that are not valid payloads. */
function macOf(body: string): string {
  return createHmac('sha256', secret).update('palisade-service-token.v1.').update(body).digest('base64url');
}
