import { randomBytes } from 'node:crypto';
import { PrincipalRejected, principalVerifier, signPrincipal, type Principal } from '../principal';

const secret = randomBytes(32);
const analyst: Principal = { sub: 'analyst-1', tenant: 'acme', kind: 'user', scopes: ['incidents:read'] };

function clock(start = 1_800_000_000_000) {
  let time = start;
  return { now: () => time, advance: (ms: number) => (time += ms) };
}

describe('principalVerifier', () => {
  it('accepts a header signed with the shared secret, and answers it again from memory', () => {
    const time = clock();
    const verify = principalVerifier(secret, 100, time.now);
    const header = signPrincipal(analyst, secret, time.now());
    expect(verify(header)).toEqual(analyst);
    expect(verify(header)).toBe(verify(header));
  });

  it('refuses a remembered header once it has expired', () => {
    const time = clock();
    const verify = principalVerifier(secret, 100, time.now);
    const header = signPrincipal(analyst, secret, time.now(), 60);
    verify(header);
    time.advance(61_000);
    expect(() => verify(header)).toThrow(new PrincipalRejected('expired principal header'));
  });

  it('never remembers a refused header: a forged or altered one is refused every time', () => {
    const time = clock();
    const verify = principalVerifier(secret, 100, time.now);
    const forged = signPrincipal({ ...analyst, tenant: 'globex' }, randomBytes(32), time.now());
    const genuine = signPrincipal(analyst, secret, time.now());
    const altered = `${Buffer.from(JSON.stringify({ ...analyst, tenant: 'globex', exp: 1_900_000_000 })).toString('base64url')}.${genuine.split('.')[1]}`;
    verify(genuine);
    for (let i = 0; i < 2; i++) {
      expect(() => verify(forged)).toThrow('invalid principal signature');
      expect(() => verify(altered)).toThrow('invalid principal signature');
      expect(() => verify(undefined)).toThrow(PrincipalRejected);
    }
  });
});
