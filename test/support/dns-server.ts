import type { AddressInfo } from 'node:net';
import dns2 from 'dns2';

/*
 * A small authoritative DNS server on a loopback UDP port (dns2), so that domain verification runs through
 * node's real resolver and the real wire format:
 * - `txt(name, ...records)` publishes TXT records; a record given as an array is split into several
 *   character-strings, as long values are in real zones (RFC 1035 3.3.14)
 * - an unknown name answers NXDOMAIN; a name with records of another kind answers NOERROR with no TXT data
 * - `silence(name)` drops queries for that name, to play a dead server
 * - `queries` lists every question asked, for asserting which name was looked up
 */
export interface TestDnsServer {
  /** `127.0.0.1:<port>`, for the resolver's server list. */
  server: string;
  queries: { name: string; type: number }[];
  txt(name: string, ...records: (string | string[])[]): void;
  /** Makes `name` exist without TXT records (an A record only). */
  exists(name: string): void;
  silence(name: string): void;
  clear(): void;
  stop(): Promise<void>;
}

type Question = { name: string; type: number };
type Answer = ReturnType<typeof dns2.Packet.createResponseFromRequest>['answers'][number];
const NXDOMAIN = 3;

export async function startDnsServer(): Promise<TestDnsServer> {
  const records = new Map<string, (string | string[])[]>();
  const silenced = new Set<string>();
  const queries: Question[] = [];
  const key = (name: string) => name.toLowerCase().replace(/\.$/, '');

  const server = dns2.createServer({
    udp: true,
    handle(request, send) {
      const response = dns2.Packet.createResponseFromRequest(request);
      const [question] = request.questions as Question[];
      if (!question) return send(response);
      queries.push({ name: question.name, type: question.type });
      const name = key(question.name);
      if (silenced.has(name)) return undefined;
      const found = records.get(name);
      if (!found) {
        response.header.rcode = NXDOMAIN;
        return send(response);
      }
      if (question.type === dns2.Packet.TYPE.TXT) {
        for (const data of found) {
          // The encoder takes plain objects; the declared type also lists the parser's toBuffer method.
          response.answers.push({ name: question.name, type: dns2.Packet.TYPE.TXT, class: dns2.Packet.CLASS.IN, ttl: 60, data } as Answer);
        }
      }
      return send(response);
    },
  });
  await server.listen({ udp: { port: 0, address: '127.0.0.1' } });
  const { port } = server.addresses().udp as AddressInfo;

  return {
    server: `127.0.0.1:${port}`,
    queries,
    txt(name, ...values) { records.set(key(name), [...(records.get(key(name)) ?? []), ...values]); },
    exists(name) { records.set(key(name), records.get(key(name)) ?? []); },
    silence(name) { silenced.add(key(name)); },
    clear() {
      records.clear();
      silenced.clear();
      queries.length = 0;
    },
    stop: () => server.close(),
  };
}
