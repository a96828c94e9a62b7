/**
 * The engine's own command table (COMMAND INFO + COMMAND DOCS), turned into what the
 * console needs: the list of commands for autocomplete, a syntax line per command (built
 * from its argument tree like redis-cli 7.2 does) and the text of `HELP <command>`.
 */
import { parseReplies, encodeCommand, toJS } from './resp.js';

/** Runs one command on a RESP3 connection and returns plain JS (maps as objects). */
function query(conn, ...args) {
  const { replies } = parseReplies(conn.resp(encodeCommand(args)));
  return toJS(replies[0]);
}

/** One argument of a COMMAND DOCS tree as syntax text. */
function argSyntax(a) {
  let s;
  if (a.type === 'pure-token') s = a.token;
  else if (a.type === 'oneof') s = a.arguments.map(argSyntax).join('|');
  else if (a.type === 'block') s = a.arguments.map(argSyntax).join(' ');
  else s = a.display_text ?? a.name;
  if (a.token && a.type !== 'pure-token') s = `${a.token} ${s}`;
  const flags = a.flags ?? [];
  if (flags.includes('multiple')) s = flags.includes('multiple_token') || !a.token ? `${s} [${s} ...]` : `${s} [${s.slice(a.token.length + 1)} ...]`;
  if (a.type === 'oneof' && !flags.includes('optional') && a.arguments.length > 1) s = `<${s}>`;
  if (flags.includes('optional')) s = `[${s}]`;
  return s;
}

/** The command table of one engine. */
export class CommandTable {
  /** Reads the table through `conn` (switched to RESP3 for the read, then back to RESP2). */
  constructor(conn) {
    query(conn, 'HELLO', '3');
    const docs = query(conn, 'COMMAND', 'DOCS');
    const info = query(conn, 'COMMAND', 'INFO');
    query(conn, 'HELLO', '2');
    /** name (lower case, `config get` for subcommands) -> entry */
    this.byName = new Map();
    const add = (name, d, i) => {
      this.byName.set(name, {
        name,
        summary: d?.summary ?? '',
        since: d?.since ?? '',
        group: d?.group ?? '',
        complexity: d?.complexity ?? '',
        args: (d?.arguments ?? []).map(argSyntax).join(' '),
        flags: i?.[2] ?? [],
        arity: i?.[1] ?? 0,
        hasSubcommands: d?.subcommands && Object.keys(d.subcommands).length > 0,
      });
    };
    const infoByName = new Map();
    const walkInfo = (rows) => {
      for (const row of rows ?? []) {
        if (!Array.isArray(row)) continue;
        infoByName.set(String(row[0]).toLowerCase(), row);
        walkInfo(row[9]);
      }
    };
    walkInfo(info);
    for (const [name, d] of Object.entries(docs)) {
      add(name, d, infoByName.get(name));
      for (const [sub, sd] of Object.entries(d.subcommands ?? {})) add(sub.replace('|', ' '), sd, infoByName.get(sub));
    }
    /** Sorted names, subcommands included (`client list`). */
    this.names = [...this.byName.keys()].sort();
  }

  /** Whether the engine implements a command (name of the container or `container sub`). */
  has(name) {
    return this.byName.has(name.toLowerCase());
  }

  /** The entry for the longest command name at the start of `words` (strings). */
  lookup(words) {
    if (words.length >= 2) {
      const two = `${words[0]} ${words[1]}`.toLowerCase();
      if (this.byName.has(two)) return this.byName.get(two);
    }
    return words.length ? this.byName.get(words[0].toLowerCase()) : undefined;
  }

  /** `SET key value [NX|XX] ...` */
  syntax(e) {
    return `${e.name.toUpperCase()}${e.args ? ` ${e.args}` : ''}`;
  }

  /** Names starting with `prefix` (case-insensitive), containers before subcommands. */
  complete(prefix) {
    const p = prefix.toLowerCase();
    return this.names.filter((n) => n.startsWith(p));
  }

  /** The text of `HELP <words>` (redis-cli's layout, with complexity added). */
  help(words) {
    if (words.length === 0) {
      return 'To get help about a command:\n      "help <command>" (e.g. "help set")\n      "help @<group>" to list the commands of a group (e.g. "help @list")\n      Tab completes command names; the grey hint shows the syntax.\n';
    }
    if (words[0].startsWith('@')) {
      const g = words[0].slice(1).toLowerCase();
      const list = [...this.byName.values()].filter((e) => e.group === g && !e.hasSubcommands);
      if (!list.length) return `No commands in group "${g}".\n`;
      return list.map((e) => this.entryHelp(e)).join('');
    }
    const e = this.lookup(words);
    if (!e) return `No help for "${words.join(' ')}": not a command this engine implements.\n`;
    if (e.hasSubcommands && words.length === 1) {
      const subs = this.names.filter((n) => n.startsWith(`${e.name} `)).map((n) => this.byName.get(n));
      return this.entryHelp(e) + subs.map((s) => this.entryHelp(s)).join('');
    }
    return this.entryHelp(e);
  }

  entryHelp(e) {
    let s = `\n  ${this.syntax(e)}\n  summary: ${e.summary}\n  since: ${e.since}\n  group: ${e.group}\n`;
    if (e.complexity) s += `  complexity: ${e.complexity}\n`;
    return s;
  }
}
