// A tiny DNS server on 127.0.0.1 (UDP) for the address guard's tests: A records from a table the test can change, so a
// name can resolve to one address at registration and to loopback at delivery, and names it never answers (a
// blackholed nameserver). No traffic ever leaves the machine.
import { createSocket, type RemoteInfo } from 'node:dgram';
import { once } from 'node:events';
import { isIPv4 } from 'node:net';

export interface DnsStub {
  port: number;
  /** For WEBHOOK_DNS_SERVERS: `127.0.0.1:<port>`. */
  server: string;
  /** The names asked for, lower-case, in order (A and AAAA alike). */
  queries: string[];
  /** Answers `name` with `address` from now on; undefined makes it unknown (NXDOMAIN). */
  set(name: string, address: string | undefined): void;
  /** From now on `name` and every name under it get no answer at all, as from a nameserver that dropped them. */
  silence(name: string): void;
  close(): Promise<void>;
}

const TYPE_A = 1;
const CLASS_IN = 1;
const NXDOMAIN = 3;
const FORMERR = 1;

/** `records`: name → IPv4 address. Every other name is NXDOMAIN; a known name has no AAAA (an empty answer). */
export async function startDnsStub(records: Record<string, string> = {}): Promise<DnsStub> {
  const table = new Map<string, string>();
  const set = (name: string, address: string | undefined) => {
    const key = name.toLowerCase().replace(/\.$/, '');
    if (address === undefined) table.delete(key);
    else if (!isIPv4(address)) throw new TypeError(`the DNS stub answers A records only, not ${address}`);
    else table.set(key, address);
  };
  for (const [name, address] of Object.entries(records)) set(name, address);
  const silent = new Set<string>();
  const silenced = (name: string) => [...silent].some((zone) => name === zone || name.endsWith(`.${zone}`));
  const queries: string[] = [];
  const socket = createSocket('udp4');
  socket.on('message', (query: Buffer, peer: RemoteInfo) => {
    const answer = respond(query, table, queries, silenced);
    if (answer) socket.send(answer, peer.port, peer.address);
  });
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const { port } = socket.address();
  return {
    port,
    server: `127.0.0.1:${port}`,
    queries,
    set,
    silence: (name) => void silent.add(name.toLowerCase().replace(/\.$/, '')),
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** One response to one query: its header and question echoed, an A record when the table has the name. */
function respond(query: Buffer, table: ReadonlyMap<string, string>, queries: string[], silenced: (name: string) => boolean): Buffer | undefined {
  if (query.length < 12) return undefined;
  const question = readQuestion(query);
  if (!question) return header(query, FORMERR, 0, Buffer.alloc(0));
  queries.push(question.name);
  if (silenced(question.name)) return undefined;
  const address = table.get(question.name);
  const rcode = address === undefined ? NXDOMAIN : 0;
  const body = query.subarray(12, question.end);
  if (address === undefined || question.type !== TYPE_A || question.klass !== CLASS_IN) return header(query, rcode, 0, body);
  const record = Buffer.alloc(16);
  record.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
  record.writeUInt16BE(TYPE_A, 2);
  record.writeUInt16BE(CLASS_IN, 4);
  record.writeUInt32BE(0, 6); // TTL 0: nothing may keep the old answer once the test changes it
  record.writeUInt16BE(4, 10);
  address.split('.').forEach((octet, i) => record.writeUInt8(Number(octet), 12 + i));
  return header(query, 0, 1, Buffer.concat([body, record]));
}

function header(query: Buffer, rcode: number, answers: number, body: Buffer): Buffer {
  const head = Buffer.alloc(12);
  query.copy(head, 0, 0, 2); // the query's id
  const rd = query.readUInt16BE(2) & 0x0100;
  head.writeUInt16BE(0x8000 | 0x0400 | rd | 0x0080 | rcode, 2); // response, authoritative, RD echoed, RA
  head.writeUInt16BE(body.length > 0 ? 1 : 0, 4);
  head.writeUInt16BE(answers, 6);
  return Buffer.concat([head, body]);
}

function readQuestion(query: Buffer): { name: string; type: number; klass: number; end: number } | undefined {
  if (query.readUInt16BE(4) < 1) return undefined;
  const labels: string[] = [];
  let offset = 12;
  for (;;) {
    const length = query[offset];
    if (length === undefined || length > 63) return undefined;
    offset += 1;
    if (length === 0) break;
    labels.push(query.toString('latin1', offset, offset + length));
    offset += length;
  }
  if (offset + 4 > query.length) return undefined;
  return { name: labels.join('.').toLowerCase(), type: query.readUInt16BE(offset), klass: query.readUInt16BE(offset + 2), end: offset + 4 };
}
