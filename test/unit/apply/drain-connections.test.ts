/** The drain's count of connections from the proxy to an old release, read from /proc/net/tcp{,6}. */
import { describe, expect, it } from 'vitest';
import { establishedTo } from '../../../src/apply/proxy-ops.ts';

// From a Caddy container: 172.18.0.5:3000 is the old release (0BB8 = 3000, 050012AC = 172.18.0.5).
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:0FA3 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0
   1: 020012AC:A3F2 050012AC:0BB8 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000 20 4 30 10 -1
   2: 020012AC:A3F4 050012AC:0BB8 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0000000000000000 20 4 30 10 -1
   3: 020012AC:A3F6 050012AC:0BB8 06 00000000:00000000 03:00000000 00000000     0        0 0 3 0000000000000000
   4: 020012AC:A3F8 060012AC:0BB8 01 00000000:00000000 00:00000000 00000000     0        0 4 1 0000000000000000 20 4 30 10 -1
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0000000000000000FFFF0000020012AC:B000 0000000000000000FFFF0000050012AC:0BB8 01 00000000:00000000 00:00000000 00000000     0        0 5 1 0000000000000000 20 4 30 10 -1
`;

describe('establishedTo', () => {
  it('counts established connections to the address and port, IPv4 and IPv4-mapped', () => {
    expect(establishedTo(TCP, '172.18.0.5', 3000)).toBe(2);
    expect(establishedTo(TCP + TCP6, '172.18.0.5', 3000)).toBe(3);
  });

  it('leaves out other states (TIME_WAIT), other addresses and other ports', () => {
    expect(establishedTo(TCP, '172.18.0.6', 3000)).toBe(1);
    expect(establishedTo(TCP, '172.18.0.5', 3001)).toBe(0);
    expect(establishedTo('', '172.18.0.5', 3000)).toBe(0);
  });
});
