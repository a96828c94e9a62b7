/** `cinderkv/ioredis` for Cloudflare Workers (workerd). */
import '../workerd.js';
import { Redis } from './redis.js';

export * from './redis.js';
export default Redis;
