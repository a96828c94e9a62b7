/** `cinderkv/ioredis` for Deno (plain JavaScript like ../deno.js; typed like the browser entry). */
import '../deno.js';
import { Redis } from './redis.js';

export * from './redis.js';
export default Redis;
