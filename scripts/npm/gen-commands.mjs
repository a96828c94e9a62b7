#!/usr/bin/env node
// Generates js/src/commands.generated.ts: one typed method per command the engine
// implements, from the engine's own command table. It loads the freshly built wasm, asks
// it `COMMAND INFO` and `COMMAND DOCS` (Redis 7.0's argument trees), and turns every
// argument tree into a TypeScript signature and a builder of the argument list.
//
// Signature rules (what a caller writes):
// - required arguments are positional parameters, in order; a required repeated argument
//   at the end is a rest parameter (`del(...keys)`), elsewhere an array;
//   a repeated group is a tuple per repetition (`mset(...keyValues: [key, value][])`);
// - an optional argument without a token after the last required one is an optional
//   positional parameter (`ping(message?)`), repeated: a rest parameter (`info(...sections)`);
// - everything with a token, pure tokens and choices go in a final options object keyed
//   by token (`set(key, value, { NX: true, EX: 60 })`); a tokened group is a tuple
//   (`{ LIMIT: [offset, count] }`), a tokened choice of tokens a string literal union;
// - `numkeys` before a repeated key is filled in from the keys given;
// - an argument tree these rules cannot express gets `(...args: Arg[])`.
//
// Usage: node scripts/npm/gen-commands.mjs [--check]   (--check: exit 1 if the file is stale)
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const GLUE = path.join(ROOT, 'js/src/wasm/cinder_wasm.js');
const OUT = path.join(ROOT, 'js/src/commands.generated.ts');

// Members of Connection/Cinder a command method must not shadow: such commands get a
// `Command` suffix (EXEC would otherwise hide the redis-cli line runner `exec`).
// MULTI, SUBSCRIBE and PSUBSCRIBE are also taken: `multi()` returns a transaction builder,
// `subscribe`/`psubscribe` take a listener (see js/src/cinder.ts); `save`/`load`/`flush` are the
// persistence methods (SAVE stays reachable through `call`).
const RESERVED = new Set(['call', 'callBuffer', 'exec', 'resp', 'close', 'connection', 'isOpen',
  'advanceTime', 'setTime', 'currentTime', 'constructor', 'engine', 'id', 'multi', 'subscribe', 'psubscribe',
  'onKeyspaceEvent', 'eval', 'evalsha', 'fcall', 'defineScript', 'save', 'load', 'flush']);

/** The metadata word holding the output buffer's address (`MetaWord.OutputAddr`, js/src/layout.ts). */
const OUTPUT_ADDR = Number(readFileSync(path.join(ROOT, 'js/src/layout.ts'), 'utf8').match(/OutputAddr = (\d+)/)[1]);

/** Asks the engine (the built wasm) for a RESP3 reply to one command. */
async function engineQuery(argvs) {
  const glue = await import(GLUE);
  const wasm = glue.initSync({ module: readFileSync(path.join(ROOT, 'js/src/wasm/cinder_wasm_bg.wasm')) });
  const core = new glue.CinderCore([], 1n, 0, true);
  const run = (argv) => {
    const parts = [Buffer.from(`*${argv.length}\r\n`)];
    for (const a of argv) parts.push(Buffer.from(`$${Buffer.byteLength(a)}\r\n${a}\r\n`));
    const req = Buffer.concat(parts);
    const at = core.reserveInput(req.length);
    new Uint8Array(wasm.memory.buffer).set(req, at);
    const n = core.feed(0, req.length, 0);
    const meta = new Uint32Array(wasm.memory.buffer, core.ioMeta(), OUTPUT_ADDR + 1);
    return Buffer.from(new Uint8Array(wasm.memory.buffer, meta[OUTPUT_ADDR], n));
  };
  run(['HELLO', '3']);
  return argvs.map((argv) => parseResp3(run(argv)));
}

/** A small RESP3 reader: maps become plain objects (keys are strings here), sets arrays. */
function parseResp3(buf) {
  let pos = 0;
  const line = () => {
    const end = buf.indexOf('\r\n', pos);
    const s = buf.toString('utf8', pos, end);
    pos = end + 2;
    return s;
  };
  const value = () => {
    const t = String.fromCharCode(buf[pos++]);
    const s = line();
    switch (t) {
      case '+': return s;
      case '-': throw new Error(`engine error: ${s}`);
      case ':': return Number(s);
      case '$': case '=': {
        const n = Number(s);
        const v = buf.toString('utf8', pos, pos + n);
        pos += n + 2;
        return t === '=' ? v.slice(4) : v;
      }
      case '*': case '~': return Array.from({ length: Number(s) }, value);
      case '%': {
        const o = {};
        for (let i = Number(s); i > 0; i--) {
          const k = value();
          o[k] = value();
        }
        return o;
      }
      case '_': return null;
      case ',': return Number(s);
      case '#': return s === 't';
      default: throw new Error(`unexpected RESP3 type ${t}`);
    }
  };
  return value();
}

const camel = (s) => s.toLowerCase().replace(/[^a-z0-9]+([a-z0-9])/g, (_, c) => c.toUpperCase()).replace(/[^a-zA-Z0-9]/g, '');
const pascal = (s) => camel(s).replace(/^./, (c) => c.toUpperCase());
const isOptional = (a) => (a.flags ?? []).includes('optional');
const isMultiple = (a) => (a.flags ?? []).includes('multiple');
const isMultipleToken = (a) => (a.flags ?? []).includes('multiple_token');
const LEAF = new Set(['key', 'string', 'pattern', 'integer', 'double', 'unix-time']);

/** TS type of a leaf value. */
function leafType(a) {
  switch (a.type) {
    case 'integer': case 'unix-time': return 'number | bigint | string';
    case 'double': return 'number | string';
    default: return 'Arg';
  }
}

/** Redis-cli style syntax of an argument (for doc comments). */
function syntax(a) {
  let s;
  if (a.type === 'pure-token') s = a.token;
  else if (a.type === 'oneof') s = a.arguments.map(syntax).join(' | ');
  else if (a.type === 'block') s = a.arguments.map(syntax).join(' ');
  else s = a.token ? `${a.token} ${a.name}` : a.name;
  if (a.token && (a.type === 'oneof' || a.type === 'block')) s = `${a.token} ${s}`;
  if (isMultiple(a)) s = `${s} [${isMultipleToken(a) && a.token ? s : (a.type === 'block' ? s : a.name)} ...]`;
  if (isOptional(a)) return `[${s}]`;
  return a.type === 'oneof' && !a.token ? `<${s}>` : s;
}

class Unsupported extends Error {}

/**
 * The TS type and push statements of a value-carrying argument `a` held in expression `v`
 * (its token is pushed by the caller). Leaves, blocks of leaves (tuples), choices of pure
 * tokens (literal unions) and choices of tokened leaves (nested option objects).
 */
function valueOf(a, v, depth = 0) {
  if (depth > 2) throw new Unsupported();
  if (LEAF.has(a.type) && !isMultiple(a)) return { type: leafType(a), push: [`a.push(${v});`] };
  if (LEAF.has(a.type) && isMultiple(a)) return { type: `${leafType(a).includes(' ') ? `(${leafType(a)})` : leafType(a)}[]`, push: [`for (const x of ${v}) a.push(x);`] };
  if (a.type === 'block' && a.arguments.length === 1) {
    const c = a.arguments[0];
    if (c.token || isOptional(c)) throw new Unsupported();
    const flags = [...new Set([...(a.flags ?? []), ...(c.flags ?? [])])];
    return valueOf({ ...c, flags }, v, depth + 1);
  }
  if (a.type === 'block') {
    if (a.arguments.some((c) => !LEAF.has(c.type) || isOptional(c) || isMultiple(c) || c.token)) throw new Unsupported();
    const tuple = `[${a.arguments.map(leafType).join(', ')}]`;
    if (isMultiple(a)) return { type: `${tuple}[]`, push: [`for (const t of ${v}) a.push(...t);`] };
    return { type: tuple, push: [`a.push(...${v});`] };
  }
  if (a.type === 'oneof' && !isMultiple(a)) {
    if (a.arguments.every((c) => c.type === 'pure-token')) {
      return { type: a.arguments.map((c) => `'${c.token}'`).join(' | '), push: [`a.push(${v});`] };
    }
    if (a.arguments.every((c) => c.token)) {
      const fields = [];
      const push = [];
      for (const c of a.arguments) {
        const key = c.token;
        if (c.type === 'pure-token') {
          fields.push(`${key}?: boolean`);
          push.push(`if (${v}.${key}) a.push('${key}');`);
        } else {
          const inner = valueOf({ ...c, token: undefined }, `${v}.${key}`, depth + 1);
          fields.push(`${key}?: ${inner.type}`);
          push.push(`if (${v}.${key} !== undefined) { a.push('${key}'); ${inner.push.join(' ')} }`);
        }
      }
      return { type: `{ ${fields.join('; ')} }`, push };
    }
  }
  throw new Unsupported();
}

/** Flattens optional untokened blocks (HELLO's `[protover [AUTH ...] [SETNAME ...]]`);
 * every member becomes optional (BITCOUNT's `[start end [BYTE | BIT]]`: `end` too). */
function flatten(args) {
  const out = [];
  for (const a of args) {
    if (a.type === 'block' && !a.token && isOptional(a) && !isMultiple(a)) {
      out.push(...a.arguments.map((c) => (isOptional(c) ? c : { ...c, flags: [...(c.flags ?? []), 'optional'] })));
    } else out.push(a);
  }
  return out;
}

/** Signature and body of the method for one command. */
function method(fullName, info, docs) {
  const words = fullName.split('|');
  const args = flatten(docs.arguments ?? []);
  const arity = info[1];
  const wordsTotal = words.length;
  const params = [];
  const fields = [];
  const body = [`const a: unknown[] = [${words.map((w) => `'${w.toUpperCase()}'`).join(', ')}];`];
  const optName = `${pascal(fullName)}Options`;
  let opts = false;
  const lastRequired = args.reduce((last, a, i) => (!isOptional(a) && a.type !== 'pure-token' && !a.token ? i : last), -1);
  const usedNames = new Set();
  const paramName = (n) => {
    let p = camel(n) || 'arg';
    if (['arguments', 'eval', 'function', 'default', 'new', 'delete', 'in'].includes(p)) p = `${p}Arg`;
    while (usedNames.has(p)) p = `${p}2`;
    usedNames.add(p);
    return p;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = args[i + 1];
    if (a.name === 'numkeys' && a.type === 'integer' && next && next.type === 'key' && isMultiple(next) && !isOptional(a)) {
      const p = paramName(next.name + 's');
      params.push({ name: p, type: `[${leafType(next)}, ...(${leafType(next)})[]]`, rest: i + 1 === lastRequired && i + 2 === args.length });
      body.push(`a.push(${p}.length); for (const x of ${p}) a.push(x);`);
      i++;
      continue;
    }
    const positional = !a.token && a.type !== 'pure-token' && !(a.type === 'oneof' && isOptional(a));
    if (positional && (!isOptional(a) || i > lastRequired)) {
      const last = i === args.length - 1;
      if (a.type === 'oneof' && !isOptional(a) && a.arguments.every((c) => c.type === 'pure-token')) {
        const p = paramName(a.name);
        params.push({ name: p, type: a.arguments.map((c) => `'${c.token}'`).join(' | ') });
        body.push(`a.push(${p});`);
        continue;
      }
      const v = valueOf({ ...a, flags: (a.flags ?? []).filter((f) => f !== 'optional') }, '__V__');
      const p = paramName(isMultiple(a) ? `${a.name}s` : a.name);
      if (isMultiple(a) && last) {
        // Rest parameter: at least one when required.
        const elem = v.type.replace(/\[\]$/, '');
        params.push({ name: p, rest: true, type: isOptional(a) ? `${elem}[]` : `[${elem}, ...${elem}[]]` });
        body.push(...v.push.map((s) => s.replaceAll('__V__', p)));
      } else if (isOptional(a)) {
        params.push({ name: p, type: v.type, optional: true });
        body.push(`if (${p} !== undefined) { ${v.push.map((s) => s.replaceAll('__V__', p)).join(' ')} }`);
      } else {
        params.push({ name: p, type: v.type });
        body.push(...v.push.map((s) => s.replaceAll('__V__', p)));
      }
      continue;
    }
    // Option: keyed by token (or name for untokened optional values before required ones).
    opts = true;
    if (a.type === 'oneof' && !a.token) {
      for (const c of a.arguments) {
        if (c.type === 'pure-token') {
          fields.push(`${c.token}?: boolean`);
          body.push(`if (o?.${c.token}) a.push('${c.token}');`);
        } else if (c.token) {
          const v = valueOf({ ...c, token: undefined }, `o.${c.token}`);
          fields.push(`${c.token}?: ${v.type}`);
          body.push(`if (o?.${c.token} !== undefined) { a.push('${c.token}'); ${v.push.join(' ')} }`);
        } else throw new Unsupported();
      }
      continue;
    }
    if (a.type === 'pure-token') {
      fields.push(`${a.token}?: boolean`);
      body.push(`if (o?.${a.token}) a.push('${a.token}');`);
      continue;
    }
    const key = a.token ?? camel(a.name);
    const v = valueOf({ ...a, token: undefined, flags: (a.flags ?? []).filter((f) => f !== 'optional') }, `o.${key}`);
    if (isMultipleToken(a)) throw new Unsupported();
    fields.push(`${/^[A-Za-z_$][\w$]*$/.test(key) ? key : `'${key}'`}?: ${v.type}`);
    const tok = a.token ? `a.push('${a.token}'); ` : '';
    body.push(`if (o?.${key} !== undefined) { ${tok}${v.push.join(' ')} }`);
    if (!isOptional(a)) throw new Unsupported(); // a required tokened argument: not expressible as an option
  }
  // A command taking more arguments than its docs describe (DEBUG, COMMAND GETKEYS).
  if (arity < 0 && args.length === 0 && -arity > wordsTotal) {
    params.push({ name: 'args', rest: true, type: `[Arg, ...Arg[]]` });
    body.push('for (const x of args) a.push(x);');
  }
  if (opts) {
    // A rest parameter must come last: with options after it, it becomes an array.
    for (const p of params) p.rest = false;
  }
  const sig = params.map((p) => (p.rest ? `...${p.name}: ${p.type}` : `${p.name}${p.optional ? '?' : ''}: ${p.type}`));
  if (opts) sig.push(`o?: ${optName}`);
  return { params: sig, fields, body: foldLeadingPushes(body), optName: opts ? optName : null };
}

/** `const a = ['GET']; a.push(key);` -> `const a = ['GET', key];` (the hot path). */
function foldLeadingPushes(body) {
  const init = body[0].match(/^const a: unknown\[\] = \[(.*)\];$/)[1];
  const items = [init];
  let i = 1;
  for (; i < body.length; i++) {
    const m = body[i].match(/^a\.push\(([\w.$]+)\);$/);
    if (!m) break;
    items.push(m[1]);
  }
  return [`const a: unknown[] = [${items.join(', ')}];`, ...body.slice(i)];
}

function generate(infos, docsMap) {
  const byName = new Map(infos.filter(Boolean).map((i) => [i[0], i]));
  const out = [];
  const optionTypes = [];
  let typed = 0;
  let generic = 0;
  const commands = [];
  const blockingNames = [];
  for (const [name, info] of [...byName].sort(([a], [b]) => a.localeCompare(b))) {
    const subs = info[9] ?? [];
    const docs = docsMap[name] ?? {};
    if (!(subs.length > 0 && Math.abs(info[1]) >= 2)) commands.push([name, info, docs]);
    for (const sub of subs) commands.push([sub[0], sub, docs.subcommands?.[sub[0]] ?? {}]);
  }
  commands.sort(([a], [b]) => a.localeCompare(b));
  for (const [name, info, docs] of commands) {
    let mName = camel(name.replace('|', ' '));
    if (RESERVED.has(mName)) mName += 'Command';
    let m;
    try {
      m = method(name, info, docs);
      typed++;
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      const words = name.split('|').map((w) => `'${w.toUpperCase()}'`).join(', ');
      m = { params: ['...args: Arg[]'], fields: [], body: [`const a: unknown[] = [${words}, ...args];`], optName: null };
      generic++;
    }
    if (m.optName) optionTypes.push(`/** Options of \`${name.replace('|', ' ').toUpperCase()}\`. */\nexport interface ${m.optName} {\n${m.fields.map((f) => `  ${f};`).join('\n')}\n}`);
    const syn = [name.replace('|', ' ').toUpperCase(), ...(docs.arguments ?? []).map(syntax)].join(' ');
    const doc = [
      `  /**`,
      `   * ${(docs.summary ?? '').replace(/\*\//g, '*\\/')}`,
      `   *`,
      `   * \`${syn.replace(/`/g, "'")}\``,
      docs.since ? `   * @since Redis ${docs.since}${docs.complexity ? ` · ${docs.complexity.replace(/\*\//g, '')}` : ''}` : null,
      `   */`,
    ].filter((l) => l !== null);
    const blocking = (info[2] ?? []).includes('blocking');
    if (blocking) blockingNames.push(name);
    const [ret, runner] = blocking ? ['Promise<R>', '_callAsync'] : ['R', '_call'];
    if (blocking) doc.splice(doc.length - 1, 0, '   *', '   * Blocking: the Promise settles when the engine serves the command or its timeout passes.');
    out.push([...doc, `  ${mName}<R = Reply>(${m.params.join(', ')}): ${ret} {`, ...m.body.map((l) => `    ${l}`), `    return this.${runner}(a);`, `  }`].join('\n'));
  }
  const header = `// GENERATED by scripts/npm/gen-commands.mjs from the engine's COMMAND INFO / COMMAND DOCS.
// Do not edit: run \`npm run build\` (or node scripts/npm/gen-commands.mjs) instead.
// ${typed} commands with typed signatures, ${generic} taking plain argument lists.
/* eslint-disable */
import type { Arg, Reply } from './codec.js';

${optionTypes.join('\n\n')}

/** Commands that may block (their methods return Promises), lower case. */
export const BLOCKING_COMMANDS: ReadonlySet<string> = new Set([${blockingNames.map((n) => `'${n}'`).join(', ')}]);

/** Every command the engine implements (top-level names, lower case): \`cinderkv/ioredis\` makes a method of each. */
export const COMMAND_NAMES: readonly string[] = [${[...byName.keys()].sort().map((n) => `'${n}'`).join(', ')}];

/** Names of the blocking commands, for \`call\`'s Promise-returning overload. */
export type BlockingCommand = ${blockingNames.length ? blockingNames.flatMap((n) => [`'${n.toUpperCase()}'`, `'${n}'`]).join(' | ') : 'never'};

/** One typed method per implemented command; each returns the reply like \`call\`. */
export abstract class Commands {
  /** Runs a command given as an argument array. */
  protected abstract _call(args: unknown[]): any;
  /** Runs a blocking command given as an argument array: always a Promise. */
  protected abstract _callAsync(args: unknown[]): Promise<any>;

${out.join('\n\n')}
}
`;
  return { text: header, typed, generic };
}

const [infos, docs] = await engineQuery([['COMMAND', 'INFO'], ['COMMAND', 'DOCS']]);
const { text, typed, generic } = generate(infos, docs);
if (process.argv.includes('--check')) {
  const old = existsSync(OUT) ? readFileSync(OUT, 'utf8') : '';
  if (old !== text) {
    console.error(`${path.relative(ROOT, OUT)} is stale: run node scripts/npm/gen-commands.mjs`);
    process.exit(1);
  }
  console.log(`${path.relative(ROOT, OUT)} is up to date (${typed} typed, ${generic} generic)`);
} else {
  writeFileSync(OUT, text);
  console.log(`wrote ${path.relative(ROOT, OUT)}: ${typed} typed methods, ${generic} generic`);
}
