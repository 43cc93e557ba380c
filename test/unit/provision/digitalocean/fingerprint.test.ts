import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../../src/errors.ts';
import {
  md5Fingerprint,
  parseOpenSshPublicKey,
} from '../../../../src/provision/digitalocean/fingerprint.ts';

// Public keys generated once with `ssh-keygen -t TYPE`, fingerprints from
// `ssh-keygen -l -E md5 -f KEY.pub` (OpenSSH 9.2): the oracle DigitalOcean's fingerprints match.
const FIXTURES: [string, string][] = [
  [
    'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPHoI07SUHmfjjQaRILKGGH9l1nzZvjexyaXfIUySVPU fixture-ed25519',
    '3a:74:92:63:dd:c4:1c:6c:a5:45:3d:4a:19:4d:b3:c3',
  ],
  [
    'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCY3OHPV2gSnxDVgCBLKM8hwIW/Sqti+GdTN1Eh7hdZIRAV48c2T5gb7lu7l6tDYVXaFao8hK9+T3bKhMgfpKCeCJHOKDRJGcl8LG3wf4wLYVPJ1FE/LbNaSqjbANGkBmpmtBaKON3r2i1H+M9zS3K0YzPSQe/daBaKmoI+ylww0vgKEzXros+f2eEfkn3YSWvqkaOK4RZgNLTcQfzO9IL2a3hHPDBlVHyvpdfX2nH+ZZVEe8Pu8MxghGflQFhUSGdBXozSWcvw1LsApBc8smnjz1IPUBhlaEusPZ6cfNzK53SubIJS1aOJ/MmKj4DdZ+ctDODRo8OorqHAZvfSyM4L fixture-rsa',
    '23:a6:e4:d6:da:a5:b5:ed:58:67:32:a4:a2:e0:ea:37',
  ],
  [
    'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBI2gMlEHDcVndfpMKyM1YdJEcTfh3jWRKsN4RvZL5UVdhPeDowrSOx7BzpEjN8z//Cnrk5WUVSi4ratGNfrT+vs= fixture-ecdsa256',
    '7b:b2:c4:1d:3e:5b:76:42:b7:ed:cd:4d:82:f7:66:72',
  ],
  [
    'ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBABxO558sHhURKUPyeFwL8GdKhxJme5Zkte4wkPw8Bs/wklFTyBVPBZf6WHgKB7LqbGDrYXfVRdkToDnC7ph1XNPUgH0VKMBNBGrZb6Ta9AwSWxUXH4+US0Yc2Zu+IXI6uUj+EgQg3j4e5ta/Q5rTMq5ZReuOyxaTfvUvnq/nHYP4QzM3w== fixture-ecdsa521',
    '65:c0:a4:c2:6b:4e:34:2a:53:c4:c2:0e:aa:c8:2f:13',
  ],
];

describe('md5Fingerprint', () => {
  it.each(FIXTURES)('matches ssh-keygen -E md5 for %s', (key, fingerprint) => {
    expect(md5Fingerprint(key)).toBe(fingerprint);
  });

  it('ignores the comment and surrounding whitespace', () => {
    const [key = ''] = FIXTURES[0] ?? [];
    const bare = key.split(' ').slice(0, 2).join(' ');
    expect(md5Fingerprint(`  ${bare}   another comment \n`)).toBe(md5Fingerprint(key));
  });

  it('refuses a private key, a PuTTY key and a key whose data names another type', () => {
    expect(() => md5Fingerprint('-----BEGIN OPENSSH PRIVATE KEY-----')).toThrow(UsageError);
    expect(() => md5Fingerprint('---- BEGIN SSH2 PUBLIC KEY ----')).toThrow(/TYPE BASE64/);
    const [ed25519 = ''] = FIXTURES[0] ?? [];
    const swapped = ed25519.replace('ssh-ed25519', 'ssh-rsa');
    expect(() => md5Fingerprint(swapped)).toThrow(/key data says "ssh-ed25519"/);
    expect(() => md5Fingerprint('ssh-ed25519 not*base64')).toThrow(/not base64/);
  });

  it('parses type, blob and comment', () => {
    const parsed = parseOpenSshPublicKey(FIXTURES[0]?.[0] ?? '');
    expect(parsed.type).toBe('ssh-ed25519');
    expect(parsed.comment).toBe('fixture-ed25519');
    expect(parsed.blob.length).toBe(51);
  });
});
