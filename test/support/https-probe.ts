/**
 * Requests to the edge proxy's published ports on loopback as a browser would send them for a
 * hostname that resolves to the host: the Host header (and, over TLS, the SNI name) say which
 * site; the certificate chain must verify against the roots given, for that name.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { type DetailedPeerCertificate, TLSSocket } from 'node:tls';

/** One response, with the chain the server sent over TLS. */
export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** Leaf first, then each issuer the server sent (empty over plain HTTP). */
  chain: { subject: string; issuer: string; serial: string }[];
}

/** GET http://HOST:port/path with Host: `host`; redirects are not followed. */
export function httpGet(port: number, host: string, path = '/'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, headers: { host }, agent: false, timeout: 5_000 },
      (res) => collect(res, [], resolve, reject),
    );
    req.on('timeout', () => req.destroy(new Error(`GET http://${host}${path}: timeout`)));
    req.on('error', reject).end();
  });
}

/** GET https://HOST:port/path with SNI and Host `host`, trusting only `ca` (PEM). */
export function httpsGet(port: number, host: string, ca: string[], path = '/'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        servername: host,
        headers: { host },
        ca,
        agent: false,
        timeout: 5_000,
      },
      (res) =>
        collect(res, res.socket instanceof TLSSocket ? chainOf(res.socket) : [], resolve, reject),
    );
    req.on('timeout', () => req.destroy(new Error(`GET https://${host}${path}: timeout`)));
    req.on('error', reject).end();
  });
}

function collect(
  res: import('node:http').IncomingMessage,
  chain: Answer['chain'],
  resolve: (answer: Answer) => void,
  reject: (error: Error) => void,
): void {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => (body += chunk));
  res.on('error', reject);
  res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, chain }));
}

function chainOf(socket: TLSSocket): Answer['chain'] {
  const chain: Answer['chain'] = [];
  // An empty object when the server sent none; a self-signed root is its own issuer.
  let cert: DetailedPeerCertificate = socket.getPeerCertificate(true);
  while (Object.keys(cert).length > 0 && !chain.some((c) => c.serial === cert.serialNumber)) {
    chain.push({
      subject: commonName(cert.subject.CN),
      issuer: commonName(cert.issuer.CN),
      serial: cert.serialNumber,
    });
    cert = cert.issuerCertificate;
  }
  return chain;
}

function commonName(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join(', ') : (value ?? '');
}
