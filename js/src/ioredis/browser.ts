/** `cinderkv/ioredis` for browsers and bundlers (the engine loads asynchronously: commands wait in the offline queue). */
import '../browser.js';
import { Redis } from './redis.js';

export * from './redis.js';
export default Redis;
