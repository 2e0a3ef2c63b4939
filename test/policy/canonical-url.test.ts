import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalUrl } from '../../src/policy/canonical-url';
import { hasErrorCode } from '../../src/errors';

describe('canonicalUrl', () => {
  const canonical: [string, string, string][] = [
    ['lower-cases scheme and host', 'HTTPS://API.Example.COM/V1/Items', 'https://api.example.com/V1/Items'],
    ['drops the default port', 'https://api.example.com:443/x', 'https://api.example.com/x'],
    ['keeps a non-default port', 'https://api.example.com:8443/x', 'https://api.example.com:8443/x'],
    ['adds the root path', 'https://api.example.com', 'https://api.example.com/'],
    ['drops query and fragment', 'https://api.example.com/a?b=c#d', 'https://api.example.com/a'],
    ['query smuggling a path is not the path', 'https://api.example.com/ok?x=/../../admin', 'https://api.example.com/ok'],
    ['query naming another host does not change the host', 'https://evil.com/?https://api.example.com/', 'https://evil.com/'],
    ['#@ leaves the host as written before #', 'https://api.example.com#@evil.com/', 'https://api.example.com/'],
    ['?@ leaves the host as written before ?', 'https://evil.com?@api.example.com/', 'https://evil.com/'],
    ['resolves dot segments', 'https://api.example.com/a/b/../c/./d', 'https://api.example.com/a/c/d'],
    ['resolves encoded dot segments', 'https://api.example.com/public/%2e%2E/admin', 'https://api.example.com/admin'],
    ['decodes encoded unreserved characters', 'https://api.example.com/%61dmin/%7Euser', 'https://api.example.com/admin/~user'],
    ['upper-cases other escapes', 'https://api.example.com/a%3fb', 'https://api.example.com/a%3Fb'],
    ['strips a trailing dot from the host', 'https://api.example.com./x', 'https://api.example.com/x'],
    ['decimal IPv4', 'http://2130706433/', 'http://127.0.0.1/'],
    ['hex IPv4', 'http://0x7f.1/', 'http://127.0.0.1/'],
    ['octal IPv4', 'http://0177.0.0.1/', 'http://127.0.0.1/'],
    ['short IPv4', 'http://127.1/', 'http://127.0.0.1/'],
    ['IPv6 loopback', 'http://[0:0::1]:8080/', 'http://[::1]:8080/'],
    ['IPv4-mapped IPv6 becomes IPv4', 'http://[::ffff:127.0.0.1]/', 'http://127.0.0.1/'],
    ['unicode host becomes punycode', 'https://bücher.example/', 'https://xn--bcher-kva.example/'],
  ];
  for (const [what, input, expected] of canonical) {
    test(`canonicalUrl: ${what} → ${expected}`, () => assert.equal(canonicalUrl(input), expected));
  }

  const rejected: [string, string][] = [
    ['userinfo', 'https://user:pw@api.example.com/'],
    ['userinfo naming the allowed host', 'https://api.example.com@evil.com/'],
    ['empty userinfo', 'https://@api.example.com/'],
    ['backslash before @', 'https://api.example.com\\@evil.com/'],
    ['backslash in the path', 'https://api.example.com/a\\..\\admin'],
    ['file scheme', 'file:///etc/passwd'],
    ['ftp scheme', 'ftp://api.example.com/'],
    ['javascript scheme', 'javascript:alert(1)'],
    ['scheme-relative', '//api.example.com/'],
    ['no slashes after the scheme', 'https:api.example.com/x'],
    ['three slashes after the scheme', 'https:///api.example.com/x'],
    ['NUL', 'https://api.example.com/\u0000'],
    ['newline inside the host', 'https://api.exa\nmple.com/'],
    ['tab', 'https://api.example.com/\ta'],
    ['space', 'https://api.example.com/a b'],
    ['encoded slash', 'https://api.example.com/public%2F..%2Fadmin'],
    ['encoded backslash', 'https://api.example.com/public%5cadmin'],
    ['encoded NUL', 'https://api.example.com/a%00'],
    ['..; segment', 'https://api.example.com/public/..;/admin'],
    ['not a URL', 'https://exa mple.com/'],
    ['empty host', 'https:///'],
    ['host of dots', 'https://../'],
  ];
  for (const [what, input] of rejected) {
    test(`canonicalUrl: ${what} → Policy.InvalidTarget`, () => {
      assert.throws(
        () => canonicalUrl(input),
        (err: unknown) => hasErrorCode(err, 'Policy.InvalidTarget'),
      );
    });
  }

  test('canonicalUrl: suffix host stays its own host → never equal to the allowed host', () => {
    assert.equal(canonicalUrl('https://api.example.com.evil.com/'), 'https://api.example.com.evil.com/');
  });

  test('canonicalUrl: error carries the offending target and a hint', () => {
    try {
      canonicalUrl('https://user@api.example.com/');
      assert.fail('expected a throw');
    } catch (err) {
      const e = err as { target: string; hint: string };
      assert.equal(e.target, 'https://user@api.example.com/');
      assert.match(e.hint, /headers/);
    }
  });
});
