// The address guard: which webhook URLs may be registered, and the one checked address a delivery may connect to.
import { isIP } from 'node:net';
import { blockedAddress, type AddressClass } from './blocked-addresses.js';
import { dnsLookup, untilAborted } from './dns-lookup.js';

/**
 * 2,048 characters: what browsers, proxies and CDNs have long treated as the longest URL that works everywhere, so
 * no real receiver needs more; it bounds what a registration stores and what every delivery's request line carries.
 */
export const MAX_WEBHOOK_URL_LENGTH = 2048;

export type RefusalReason = 'malformed' | 'too-long' | 'scheme' | 'credentials' | 'blocked-address' | 'unresolvable';

export interface Refusal {
  ok: false;
  reason: RefusalReason;
  /** For people: what was refused and why, naming the address class for `blocked-address`. */
  detail: string;
  addressClass?: AddressClass;
}

export type UrlCheck = { ok: true; url: URL } | Refusal;
/** `address` is the one a delivery must connect to: the checked one, so a second DNS answer cannot swap it. */
export type AddressCheck = { ok: true; url: URL; address: string; family: 4 | 6 } | Refusal;

export interface GuardOptions {
  /** Normalised `host:port` entries from parseAllowHosts, whose URLs skip the address check (not the others). */
  allowHosts?: ReadonlySet<string>;
}

/** A resolver: every address of a name. `signal` aborts it (the attempt's deadline). */
export type Lookup = (hostname: string, options?: { signal?: AbortSignal }) => Promise<readonly { address: string; family: number }[]>;

export interface ResolveOptions extends GuardOptions {
  /** dnsLookup's, or a test's that makes a name resolve anywhere; without: the system's nameservers, through c-ares. */
  lookup?: Lookup | undefined;
  /** Ends the lookup (as `unresolvable`) when it aborts, whether or not `lookup` heeds it. */
  signal?: AbortSignal | undefined;
}

/** Parses WEBHOOK_ALLOW_HOSTS (`host:port`, comma or space separated) into the entries the guard matches exactly. */
export function parseAllowHosts(value: string | undefined): ReadonlySet<string> {
  const entries = (value ?? '').split(/[\s,]+/).filter((entry) => entry !== '');
  return new Set(entries.map(allowHostEntry));
}

function allowHostEntry(entry: string): string {
  // A host with a colon must be a bracketed IPv6 literal, so "h:1:2" cannot pass as "h:1".
  const match = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5})$/.exec(entry);
  const port = Number(match?.[2]);
  const url = match && URL.canParse(`http://${match[1]}`) ? new URL(`http://${match[1]}`) : undefined;
  if (!url || url.href !== `http://${url.hostname}/` || !(port >= 1 && port <= 65535)) {
    throw new RangeError(`WEBHOOK_ALLOW_HOSTS: "${entry}" is not host:port`);
  }
  // The URL parser's form, so "127.1:80" and "LOCALHOST:80" match the URLs they mean.
  return `${url.hostname}:${port}`;
}

/** Registration's check of a URL by its form alone: scheme, credentials, length and a literal or localhost host. */
export function checkWebhookUrl(raw: string, options: GuardOptions = {}): UrlCheck {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) return tooLong(raw.length);
  if (!URL.canParse(raw)) return refuse('malformed', 'not an absolute URL');
  const url = new URL(raw);
  // Normalising can lengthen a URL (punycode, percent-encoding); the stored form must fit as well.
  if (url.href.length > MAX_WEBHOOK_URL_LENGTH) return tooLong(url.href.length);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return refuse('scheme', `"${url.protocol.slice(0, -1)}" is not http or https`);
  }
  if (url.username !== '' || url.password !== '') {
    return refuse('credentials', 'credentials in the URL would be sent to, and logged by, every hop');
  }
  if (isAllowed(url, options)) return { ok: true, url };
  const host = bareHost(url);
  if (isIP(host) !== 0) {
    const refusal = checkAddress(host, `${host} is`, true);
    if (refusal) return refusal;
  } else if (isLocalhostName(host)) {
    return refuse('blocked-address', `${host} is a loopback name`, 'loopback');
  }
  return { ok: true, url };
}

/**
 * Delivery's (and registration's second) check: the form check, then the host resolved once; refused if any address
 * it resolves to is blocked, since a client may pick any of them. Never throws: DNS failure is `unresolvable`.
 */
export async function resolveAndCheck(raw: string | URL, options: ResolveOptions = {}): Promise<AddressCheck> {
  const form = checkWebhookUrl(typeof raw === 'string' ? raw : raw.href, options);
  if (!form.ok) return form;
  const { url } = form;
  const host = bareHost(url);
  const literal = isIP(host);
  if (literal !== 0) return { ok: true, url, address: host, family: literal === 6 ? 6 : 4 };
  // Only an allowed host:port gets here with a localhost name (the form check refuses the others): loopback, no DNS.
  if (isLocalhostName(host)) return { ok: true, url, address: '127.0.0.1', family: 4 };
  let addresses: readonly { address: string; family: number }[];
  try {
    const { signal } = options;
    addresses = await untilAborted((options.lookup ?? systemLookup)(host, signal ? { signal } : {}), signal);
  } catch (error) {
    return refuse('unresolvable', `${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const [first] = addresses;
  if (first === undefined) return refuse('unresolvable', `${host} resolves to no address`);
  if (!isAllowed(url, options)) {
    for (const { address } of addresses) {
      // The class and the name only: the resolved address would map the internal network for whoever registers URLs.
      const refusal = checkAddress(address, `${host} resolves to`, false);
      if (refusal) return refusal;
    }
  }
  return { ok: true, url, address: first.address, family: isIP(first.address) === 6 ? 6 : 4 };
}

let system: Lookup | undefined;
/** Made at the first use, so a process that never resolves never reads resolv.conf or /etc/hosts. */
const systemLookup: Lookup = (hostname, options) => (system ??= dnsLookup([]))(hostname, options);

/** `literal`: the address is the URL's own host, so naming what it carries tells the registrant nothing new. */
function checkAddress(address: string, subject: string, literal: boolean): Refusal | undefined {
  const blocked = blockedAddress(address);
  if (!blocked) return undefined;
  const carried = literal ? `the IPv4 address ${blocked.embeddedIPv4}` : 'an IPv4 address';
  const via = blocked.embeddedIPv4 ? ` (an IPv6 address carrying ${carried})` : '';
  return refuse('blocked-address', `${subject} a ${blocked.addressClass} address${via}`, blocked.addressClass);
}

function isAllowed(url: URL, { allowHosts }: GuardOptions): boolean {
  if (!allowHosts || allowHosts.size === 0) return false;
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return allowHosts.has(`${url.hostname}:${port}`);
}

/** The host without IPv6 brackets, as net and dns take it. */
function bareHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** RFC 6761: "localhost" and every name under it are loopback, whatever a resolver says. */
function isLocalhostName(host: string): boolean {
  const name = host.replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

function tooLong(length: number): Refusal {
  return refuse('too-long', `${length} characters; at most ${MAX_WEBHOOK_URL_LENGTH}`);
}

function refuse(reason: RefusalReason, detail: string, addressClass?: AddressClass): Refusal {
  return addressClass ? { ok: false, reason, detail, addressClass } : { ok: false, reason, detail };
}
