import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * What a browser on another site must not do with the dashboard, which can write samples and promote:
 *
 * - **Host**: a page whose DNS name is rebound to 127.0.0.1 reaches the server with its own name in `Host`.
 *   Only the names the server is bound to answer (the address it listens on, plus localhost, 127.0.0.1 and
 *   [::1], each with the port; the machine's interface addresses when it listens on all of them) and the names
 *   added with `allowedHosts` (`--allowed-hosts`); anything else is 421 Misdirected Request.
 * - **Origin**: a POST (any unsafe method) from a page on another origin is 403, before its body is parsed or
 *   validated and before any lookup. Requests without Origin (curl, the CLI) are not browsers' and pass.
 * - **Framing**: every answer says `X-Frame-Options: DENY` and has a Content-Security-Policy with
 *   `frame-ancestors 'none'` that still lets the UI (its inline prefetch script by hash), abcjs and its synth run.
 */
export interface GuardOptions {
  /** The address the server was asked to listen on (`--host`), one of its own names. */
  listenHost?: string;
  /** More names that may appear in Host: `name` (any port) or `name:port`. */
  allowedHosts?: readonly string[];
  /** The built UI, whose inline scripts the CSP allows by hash. */
  uiDir?: string | null;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
/** Where abcjs's synth fetches its sound font (it plays plain tones when it cannot). */
const SOUND_FONTS = 'https://paulrosen.github.io';

interface HostPort {
  name: string;
  port: number | null;
}

/** `Name:8080` → { name: 'name', port: 8080 }; `[::1]` → { name: '[::1]', port: null }; null when malformed. */
export function parseHost(text: string): HostPort | null {
  const t = text.trim().toLowerCase();
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::(\d{1,5}))?$/.exec(t);
  if (!m) return null;
  const port = m[2] === undefined ? null : Number(m[2]);
  if (port !== null && port > 65535) return null;
  return { name: m[1], port };
}

/** An address as it is written in a Host header: IPv6 in brackets. */
const hostName = (address: string): string => (address.includes(':') && !address.startsWith('[') ? `[${address.toLowerCase()}]` : address.toLowerCase());

const isWildcard = (address: string): boolean => address === '0.0.0.0' || address === '::' || address === '[::]' || address === '';

/** Whether binding this address opens the dashboard to other machines. */
export function beyondLoopback(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return !(h === 'localhost' || h === '::1' || /^127\./.test(h));
}

/** `--allowed-hosts a.example, b.lan:8080` → the names, checked. */
export function parseAllowedHosts(list: readonly string[]): HostPort[] {
  return list
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const parsed = parseHost(s);
      if (!parsed) throw Object.assign(new Error(`--allowed-hosts: expected host names like dash.example or dash.example:8080, but got ${JSON.stringify(s)}`), { userError: true });
      return parsed;
    });
}

/** The Content-Security-Policy: same-origin everything, the UI's inline scripts by hash, no framing. */
export function contentSecurityPolicy(uiDir: string | null | undefined): string {
  const hashes: string[] = [];
  const index = uiDir ? join(uiDir, 'index.html') : null;
  if (index && existsSync(index)) {
    for (const m of readFileSync(index, 'utf8').matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)) {
      hashes.push(`'sha256-${createHash('sha256').update(m[1], 'utf8').digest('base64')}'`);
    }
  }
  return [
    "default-src 'self'",
    `script-src 'self'${hashes.map((h) => ` ${h}`).join('')}`,
    // React, recharts, abcjs and Swagger UI set style attributes.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self' ${SOUND_FONTS}`,
    "media-src 'self' blob: data:",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Adds the Host/Origin checks and the framing headers to every route, 404 and error of `app`. */
export function installGuards(app: FastifyInstance, opts: GuardOptions): void {
  const allowed = parseAllowedHosts(opts.allowedHosts ?? []);
  const csp = contentSecurityPolicy(opts.uiDir);
  let bound: { names: Set<string>; port: number } | null = null;

  /** The server's own names, once it listens (app.inject() in tests has no socket and no Host to check). */
  const boundNames = (): { names: Set<string>; port: number } | null => {
    if (bound) return bound;
    if (!app.server.listening) return null;
    const address = app.server.address() as AddressInfo | null;
    if (!address || typeof address !== 'object') return null;
    const names = new Set(LOOPBACK_NAMES);
    names.add(hostName(address.address));
    if (opts.listenHost && !isWildcard(opts.listenHost)) names.add(hostName(opts.listenHost));
    if (isWildcard(address.address) || (opts.listenHost && isWildcard(opts.listenHost))) {
      for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) names.add(hostName(i.address.split('%')[0]));
    }
    names.delete('[::]');
    names.delete('0.0.0.0');
    bound = { names, port: address.port };
    return bound;
  };

  /** Whether `host` (with `defaultPort` when it names none) is one of the dashboard's names. */
  const isOwn = (host: HostPort, defaultPort: number, { tls = false } = {}): boolean => {
    const port = host.port ?? defaultPort;
    if (allowed.some((a) => a.name === host.name && (a.port === null || a.port === port))) return true;
    if (tls) return false; // the server itself speaks plain HTTP: https origins come only through a named proxy
    const own = boundNames();
    return own !== null && own.port === port && own.names.has(host.name);
  };

  const refuse = (reply: FastifyReply, status: number, error: string) => reply.code(status).type('application/json; charset=utf-8').send({ error });

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const hostHeader = request.headers.host ?? '';
    const host = parseHost(hostHeader);
    if (boundNames() !== null && (!host || !isOwn(host, 80))) {
      return refuse(reply, 421, `This dashboard does not answer to the name ${JSON.stringify(hostHeader)}; start it with --allowed-hosts to add names`);
    }
    if (SAFE_METHODS.has(request.method)) return;
    const origin = request.headers.origin;
    if (origin === undefined) return;
    let ok = false;
    try {
      const u = new URL(origin);
      const parsed = parseHost(u.host);
      const tls = u.protocol === 'https:';
      if (parsed && (tls || u.protocol === 'http:') && u.username === '' && u.pathname === '/') {
        // Not listening (app.inject): the page must come from the Host it asks.
        ok = boundNames() === null ? !tls && host !== null && parsed.name === host.name && parsed.port === host.port : isOwn(parsed, tls ? 443 : 80, { tls });
      }
    } catch {
      ok = false; // `null` (sandboxed frames, file:) and anything that is not a URL
    }
    if (!ok) return refuse(reply, 403, `Refused a ${request.method} from another site (Origin ${JSON.stringify(origin)})`);
  });

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-frame-options', 'DENY');
    reply.header('content-security-policy', csp);
    reply.header('x-content-type-options', 'nosniff');
    return payload;
  });
}
