// Type-checked by `tsc -p tests/ioredis` (npm test): the facade's types are ioredis's, so a
// cinderkv/ioredis client goes wherever code expects an ioredis client.
import { Redis as IORedis, Cluster as IOCluster, type Redis as IORedisType } from 'ioredis';
import CinderRedis, { Cluster, Command, Redis, ReplyError, CONNECTION_CLOSED_ERROR_MSG } from 'cinderkv/ioredis';
import { Cinder } from 'cinderkv';

const r: IORedis = new CinderRedis();
const named: IORedisType = new Redis({ keyPrefix: 'app:', lazyConnect: true, enableAutoPipelining: true, data: { k: 'v' } });
const fromUrl: IORedis = new CinderRedis('redis://localhost:6379/2');
const withPort: IORedis = new CinderRedis(6380, 'localhost', { db: 1 });
const cluster: IOCluster = new Cluster([{ host: '127.0.0.1', port: 7000 }]);
const onEngine: IORedis = new CinderRedis({ engine: Cinder.createSync() });

/** Code written against ioredis. */
async function useIoredis(client: IORedis): Promise<void> {
  const v: string | null = await client.get('k');
  const h: Record<string, string> = await client.hgetall('h');
  const b: Buffer | null = await client.getBuffer('k');
  const res = await client.pipeline().set('a', 'b').incr('n').exec();
  const m = await client.multi().get('a').exec();
  client.defineCommand('myCmd', { numberOfKeys: 1, lua: 'return 1' });
  client.on('message', (channel: string, message: string) => void [channel, message]);
  const stream = client.scanStream({ match: 'k*', count: 10 });
  stream.on('data', (keys: string[]) => void keys);
  await client.quit();
  void [v, h, b, res, m];
}
void useIoredis(r);
void useIoredis(named.duplicate());
const engine: Cinder | null = new CinderRedis().engine;
const cmd = new Command('get', ['k']);
const err: Error = new ReplyError('ERR x');
const closed: 'Connection is closed.' = CONNECTION_CLOSED_ERROR_MSG;
// @ts-expect-error a port is a number
new CinderRedis({ port: 'nope' });
// @ts-expect-error not an ioredis command
r.notACommand('k');
export { fromUrl, withPort, cluster, onEngine, engine, cmd, err, closed };
