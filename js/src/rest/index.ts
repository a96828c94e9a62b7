/**
 * `cinderkv/rest`: the Upstash REST API (what `@upstash/redis` and Vercel KV speak) on a
 * cinderkv engine, as a `(Request) => Promise<Response>` handler for any fetch-style runtime
 * (Workers, Deno, Bun, Node through `cinderkv/rest/node`).
 *
 * Endpoints: `POST /` with a JSON command array; `GET|POST|PUT|HEAD /cmd/arg1/arg2?NAME=value`
 * (a POST body is the last argument before the query's); `POST /pipeline` and
 * `POST /multi-exec` with an array of command arrays. `Authorization: Bearer <token>` or
 * `?_token=<token>`; `Upstash-Encoding: base64` and `Upstash-Response-Format: resp2`.
 */
import type { Cinder, Connection, ReplyBuffer } from '../cinder.js';
import { ReplyError } from '../errors.js';
import { concatBytes } from '../codec.js';

/** Options of `createHandler`. */
export interface HandlerOptions {
  /** The engine commands run on. */
  engine: Cinder;
  /** The token clients must send (Bearer header or `_token`); omitted: no authentication. */
  token?: string;
  /** A second token that may run read-only commands only (Upstash's "Read Only" token). */
  readonlyToken?: string;
}

/** A request handler of the Upstash REST API. */
export type RestHandler = (request: Request) => Promise<Response>;

type Cmd = (string | Uint8Array)[];

const enc = new TextEncoder();
const dec = new TextDecoder();

function b64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** JSON text of a reply (bigints as exact numbers; bulk strings as UTF-8 or base64). */
function toJson(v: ReplyBuffer, base64: boolean): string {
  if (v === null || v === undefined) return 'null';
  if (v instanceof Uint8Array) return JSON.stringify(base64 ? b64(v) : dec.decode(v));
  if (typeof v === 'string') return JSON.stringify(base64 && v !== 'OK' ? b64(enc.encode(v)) : v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : JSON.stringify(String(v));
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (v instanceof ReplyError) return JSON.stringify(v.message);
  if (Array.isArray(v)) return `[${v.map((x) => toJson(x, base64)).join(',')}]`;
  if (v instanceof Map) {
    const parts: string[] = [];
    for (const [k, x] of v) parts.push(toJson(k, base64), toJson(x, base64));
    return `[${parts.join(',')}]`;
  }
  return JSON.stringify(String(v));
}

function json(status: number, body: string): Response {
  return new Response(body, { status, headers: { 'content-type': 'application/json' } });
}

function error(status: number, message: string): Response {
  return json(status, JSON.stringify({ error: message }));
}

/** A JSON command array's arguments as strings (numbers and booleans as text); null when malformed. */
function toCommand(v: unknown): Cmd | null {
  if (!Array.isArray(v) || v.length === 0) return null;
  const out: Cmd = [];
  for (const a of v) {
    if (typeof a === 'string') out.push(a);
    else if (typeof a === 'number' || typeof a === 'boolean') out.push(String(a));
    else return null;
  }
  return out;
}

/** One command's outcome: `{ result }` or `{ error }` text, and whether it failed. */
async function run(conn: Connection, cmd: Cmd): Promise<[string, boolean]> {
  try {
    const r = await conn.callBuffer(...cmd);
    return [r instanceof ReplyError ? r.message : '', r instanceof ReplyError];
  } catch (e) {
    if (e instanceof ReplyError) return [e.message, true];
    throw e;
  }
}

/** Runs `cmd`, returning the JSON body part and whether it is an error. */
async function runJson(conn: Connection, cmd: Cmd, base64: boolean): Promise<[string, boolean]> {
  try {
    const r = await conn.callBuffer(...cmd);
    return [`{"result":${toJson(r, base64)}}`, false];
  } catch (e) {
    if (e instanceof ReplyError) return [JSON.stringify({ error: e.message }), true];
    throw e;
  }
}

/** RESP2 request bytes of a command (for `Upstash-Response-Format: resp2`). */
function respRequest(cmds: Cmd[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const cmd of cmds) {
    parts.push(enc.encode(`*${cmd.length}\r\n`));
    for (const a of cmd) {
      const b = typeof a === 'string' ? enc.encode(a) : a;
      parts.push(enc.encode(`$${b.length}\r\n`), b, enc.encode('\r\n'));
    }
  }
  return concatBytes(parts);
}

/** Read-only token: whether every command is one that only reads (COMMAND INFO's `readonly` flag). */
function readOnly(engine: Cinder, cmds: Cmd[], cache: Map<string, boolean>): boolean {
  for (const cmd of cmds) {
    const name = String(cmd[0]).toLowerCase();
    let ok = cache.get(name);
    if (ok === undefined) {
      const info = engine.call('COMMAND', 'INFO', name) as unknown[];
      const flags = Array.isArray(info?.[0]) ? ((info[0] as unknown[])[2] as unknown[]) : [];
      ok = Array.isArray(flags) && flags.includes('readonly') && !['keys', 'scan'].includes(name);
      cache.set(name, ok);
    }
    if (!ok) return false;
  }
  return true;
}

/** The Upstash REST API on `engine`: `(Request) => Promise<Response>`. */
export function createHandler(options: HandlerOptions): RestHandler {
  const { engine, token, readonlyToken } = options;
  const roCache = new Map<string, boolean>();
  return async (request: Request): Promise<Response> => {
    const method = request.method.toUpperCase();
    if (!['GET', 'POST', 'PUT', 'HEAD'].includes(method)) return error(405, 'Method Not Allowed');
    const url = new URL(request.url);
    const auth = request.headers.get('authorization');
    const given = auth !== null && /^bearer\s+/i.test(auth) ? auth.replace(/^bearer\s+/i, '').trim() : url.searchParams.get('_token');
    let limited = false;
    if (token !== undefined || readonlyToken !== undefined) {
      if (given !== null && given === token) limited = false;
      else if (given !== null && readonlyToken !== undefined && given === readonlyToken) limited = true;
      else return error(401, 'Unauthorized');
    }
    const base64 = (request.headers.get('upstash-encoding') ?? '').toLowerCase() === 'base64';
    const format = (request.headers.get('upstash-response-format') ?? 'json').toLowerCase();
    if (format !== 'json' && format !== 'resp2') return error(400, `ERR unsupported response format: ${format}`);
    if (format === 'resp2' && base64) return error(400, 'ERR base64 encoding is not allowed with the resp2 response format');

    const segments = url.pathname.split('/').filter((s) => s !== '');
    let words: string[];
    try {
      words = segments.map((s) => decodeURIComponent(s));
    } catch {
      return error(400, 'ERR malformed URL path');
    }
    const body = method === 'POST' || method === 'PUT' ? new Uint8Array(await request.arrayBuffer()) : new Uint8Array(0);
    const endpoint = words.length === 1 ? words[0].toLowerCase() : '';
    const batch = endpoint === 'pipeline' || endpoint === 'multi-exec';

    let cmds: Cmd[];
    if (words.length === 0 || batch) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(dec.decode(body));
      } catch {
        return error(400, 'ERR failed to parse command: the request body is not valid JSON');
      }
      if (batch) {
        if (!Array.isArray(parsed) || parsed.length === 0) return error(400, 'ERR a non-empty array of commands is required');
        cmds = [];
        for (const c of parsed) {
          const cmd = toCommand(c);
          if (cmd === null) return error(400, 'ERR each command must be a non-empty array of strings and numbers');
          cmds.push(cmd);
        }
      } else {
        const cmd = toCommand(parsed);
        if (cmd === null) return error(400, 'ERR the command must be a non-empty array of strings and numbers');
        cmds = [cmd];
      }
    } else {
      const cmd: Cmd = [...words];
      if (body.length > 0) cmd.push(body);
      for (const [k, v] of url.searchParams) if (k !== '_token') cmd.push(k, v);
      cmds = [cmd];
    }
    if (limited && !readOnly(engine, cmds, roCache)) return error(401, 'NOPERM this token can run read-only commands only');

    // Each request is its own client (no SELECT or CLIENT state carried between requests).
    const conn = engine.connection();
    try {
      if (format === 'resp2' && endpoint !== 'multi-exec') {
        const out = conn.resp(respRequest(cmds));
        return new Response(out as unknown as BodyInit, { status: 200, headers: { 'content-type': 'application/octet-stream' } });
      }
      if (endpoint === 'pipeline') {
        const parts: string[] = [];
        for (const cmd of cmds) parts.push((await runJson(conn, cmd, base64))[0]);
        return json(200, `[${parts.join(',')}]`);
      }
      if (endpoint === 'multi-exec') {
        conn.call('MULTI');
        let aborted: string | null = null;
        for (const cmd of cmds) {
          const [msg, failed] = await run(conn, cmd);
          if (failed && aborted === null) aborted = msg;
        }
        let replies: ReplyBuffer;
        try {
          replies = conn.callBuffer('EXEC');
        } catch (e) {
          if (e instanceof ReplyError) return error(400, e.message);
          throw e;
        }
        if (!Array.isArray(replies)) return error(400, aborted ?? 'EXECABORT Transaction discarded');
        const parts = replies.map((r) =>
          r instanceof ReplyError ? JSON.stringify({ error: r.message }) : `{"result":${toJson(r, base64)}}`,
        );
        return json(200, `[${parts.join(',')}]`);
      }
      const [text, failed] = await runJson(conn, cmds[0], base64);
      return json(failed ? 400 : 200, text);
    } catch (e) {
      return error(500, `ERR ${(e as Error).message}`);
    } finally {
      conn.close();
    }
  };
}
