/**
 * The terminal: a redis-cli style prompt (`cinder[2]>` after SELECT 2), history on the
 * arrow keys, Ctrl+L to clear, Ctrl+C to drop the line, Tab completion and a syntax hint
 * from the engine's command table, `HELP <command>`, multi-line paste running each line.
 * Replies are rendered like redis-cli; toggles show the RESP types and the raw bytes.
 */
import { h } from './dom.js';
import { splitArgs, formatTTY, formatTyped, formatRaw, formatRawReply, printsRaw } from './format.js';

const dec = new TextDecoder();
const HISTORY_MAX = 200;

export class Console {
  constructor(engine, root, { history = [] } = {}) {
    this.engine = engine;
    this.commands = engine.commands;
    this.client = engine.clients[0];
    this.history = history.slice(-HISTORY_MAX);
    this.histPos = this.history.length;
    /** Per client: the promise of its last line (lines of one client run in order). */
    this.queues = new Map();
    this.output = h('div.output', { role: 'log', 'aria-live': 'polite', 'aria-label': 'console output' });
    this.prompt = h('label.prompt', { for: 'cmdline' });
    this.input = h('input#cmdline', {
      type: 'text', autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false', 'aria-label': 'command',
      'aria-describedby': 'cmdhint', enterkeyhint: 'send',
    });
    this.hint = h('div.hint#cmdhint');
    this.suggest = h('ul.suggest', { role: 'listbox', 'aria-label': 'commands' });
    const line = h('div.inputline', this.prompt, this.input);
    root.append(this.output, h('div.inputwrap', line, this.suggest, this.hint));
    this.input.addEventListener('keydown', (e) => this.onKey(e));
    this.input.addEventListener('input', () => this.updateHint());
    this.input.addEventListener('paste', (e) => this.onPaste(e));
    this.output.addEventListener('click', () => {
      if (!window.getSelection()?.toString()) this.input.focus();
    });
    this.onHistory = () => {};
    this.refreshPrompt();
    this.print('info', 'Cinder playground: a Redis 7.0-compatible engine running in this page. Type HELP, or pick a lesson.\n');
  }

  refreshPrompt() {
    const c = this.client;
    const tag = this.engine.clients.indexOf(c) === 0 ? 'cinder' : `cinder:${c.name.replace(' ', '')}`;
    this.prompt.textContent = `${tag}${c.db ? `[${c.db}]` : ''}> `;
  }

  /** Switches the console to another client (connection). */
  useClient(i) {
    this.client = this.engine.clients[i];
    this.refreshPrompt();
  }

  print(cls, text) {
    const el = h(`pre.${cls}`, text.replace(/\n$/, ''));
    this.output.append(el);
    this.scroll();
    return el;
  }

  scroll() {
    this.output.scrollTop = this.output.scrollHeight;
  }

  clear() {
    this.output.replaceChildren();
  }

  /** Runs one line as if typed (echoed with the prompt); resolves to the entry element. */
  runLine(line, { client } = {}) {
    const c = client ?? this.client;
    const p = (this.queues.get(c) ?? Promise.resolve()).then(() => this.exec(line, c));
    this.queues.set(c, p.catch(() => {}));
    return p;
  }

  /** Settles when every line typed so far has its reply. */
  get queue() {
    return Promise.all(this.queues.values());
  }

  async exec(line, client) {
    const entry = h('div.entry');
    const prev = this.client;
    this.client = client;
    this.refreshPrompt();
    entry.append(h('pre.echo', h('span.p', this.prompt.textContent), line));
    this.client = prev;
    this.refreshPrompt();
    this.output.append(entry);
    while (this.output.childElementCount > 500) this.output.firstElementChild.remove();
    const trimmed = line.trim();
    if (trimmed) this.remember(trimmed);
    const args = splitArgs(line);
    const put = (cls, text) => entry.append(h(`pre.${cls}`, text.replace(/\n$/, '')));
    if (args === null) {
      put('err', 'Invalid argument(s)\n');
    } else if (args.length === 0) {
      // nothing
    } else {
      const words = args.map((a) => dec.decode(a));
      const cmd = words[0].toLowerCase();
      if (cmd === 'help' || cmd === '?') {
        put('help', this.commands.help(words.slice(1)));
      } else if (cmd === 'clear') {
        this.clear();
      } else {
        if (!client.conn.isOpen) {
          this.reconnect(client, put);
          if (!client.conn.isOpen) {
            this.scroll();
            return entry;
          }
        }
        const t0 = performance.now();
        const waiting = client.waiting === null ? null : put('info', '');
        let res;
        try {
          const pending = client.run(args);
          const timer = setTimeout(() => entry.append(h('pre.info.waitnote', '(blocked: waiting; the clock must run for a timeout)\n')), 300);
          res = await pending;
          clearTimeout(timer);
          entry.querySelector('.waitnote')?.remove();
        } catch (e) {
          put('err', `(error) ${e.message}\n`);
          this.scroll();
          return entry;
        }
        waiting?.remove();
        const raw = printsRaw(words);
        for (const r of res.replies) {
          put(r.t === 'error' ? 'err.reply' : 'reply', raw ? formatRawReply(r).replace(/\r\n/g, '\n') : formatTTY(r));
          put('typed', formatTyped(r));
        }
        put('raw', `→ ${formatRaw(res.request)}\n← ${res.raw ? formatRaw(res.raw) : '(a blocking command: its reply, re-encoded)'}\n`);
        if (client.waiting === null && performance.now() - t0 > 1000) put('info', `(${((performance.now() - t0) / 1000).toFixed(2)}s)\n`);
        if (!client.conn.isOpen) this.reconnect(client, put);
        if (client === this.client) this.refreshPrompt();
        this.showPushes();
      }
    }
    this.scroll();
    return entry;
  }

  /** Prints messages pushed to subscribed clients (pub/sub), tagged with the client. */
  showPushes() {
    for (const c of this.engine.clients) {
      let pushes;
      try {
        pushes = c.takePushes();
      } catch {
        continue;
      }
      for (const r of pushes) this.print('push', `[${c.name}] ${formatTTY(r).replace(/\n(?=.)/g, `\n${' '.repeat(c.name.length + 3)}`)}`);
    }
  }

  /** A closed connection (QUIT, CLIENT KILL) is replaced, like redis-cli reconnecting. */
  reconnect(client, put) {
    if (!this.engine.alive) {
      put('err', '(error) the database was shut down (SHUTDOWN): its data is gone, as in Redis without persistence. Reload the page for your last saved state, or press Reset to start empty.\n');
      return;
    }
    try {
      client.conn = this.engine.db.connection();
      client.db = 0;
      client.proto = 2;
      put('info', '(the connection was closed; reconnected as a new client)\n');
    } catch (e) {
      put('err', `(error) ${e.message}\n(use "Reset" to start a fresh database)\n`);
    }
  }

  remember(line) {
    if (this.history[this.history.length - 1] !== line) this.history.push(line);
    if (this.history.length > HISTORY_MAX) this.history.shift();
    this.histPos = this.history.length;
    this.onHistory(this.history);
  }

  onKey(e) {
    const inp = this.input;
    if (e.key === 'Enter') {
      e.preventDefault();
      const line = inp.value;
      inp.value = '';
      this.updateHint();
      this.runLine(line);
    } else if (e.key === 'ArrowUp' || e.key === 'ArrowDown') {
      e.preventDefault();
      const d = e.key === 'ArrowUp' ? -1 : 1;
      const next = Math.min(this.history.length, Math.max(0, this.histPos + d));
      this.histPos = next;
      inp.value = this.history[next] ?? '';
      inp.setSelectionRange(inp.value.length, inp.value.length);
      this.updateHint();
    } else if (e.key === 'Tab' && inp.value.trim() !== '') {
      // An empty prompt lets Tab move the focus (keyboard-only use).
      const done = this.complete(e.shiftKey ? -1 : 1);
      if (done) e.preventDefault();
    } else if ((e.key === 'l' || e.key === 'L') && e.ctrlKey) {
      e.preventDefault();
      this.clear();
    } else if ((e.key === 'c' || e.key === 'C') && e.ctrlKey && inp.selectionStart === inp.selectionEnd) {
      e.preventDefault();
      this.print('echo', `${this.prompt.textContent}${inp.value}^C\n`);
      inp.value = '';
      this.updateHint();
    } else if (e.key === 'Escape') {
      this.suggest.replaceChildren();
    }
  }

  /** Tab: completes the command name (cycling through the matches). */
  complete(dir) {
    const v = this.input.value;
    const m = /^(\s*)(\S*(?: \S*)?)$/.exec(v);
    if (!m) return false;
    if (!this.tabState || this.tabState.value !== v) {
      const prefix = m[2];
      const matches = this.commands.complete(prefix).filter((n) => !prefix.includes(' ') ? !n.includes(' ') : true);
      if (!matches.length) return false;
      this.tabState = { matches, i: dir > 0 ? -1 : 0, lead: m[1], upper: prefix === prefix.toUpperCase() };
    }
    const st = this.tabState;
    st.i = (st.i + dir + st.matches.length) % st.matches.length;
    const name = st.upper ? st.matches[st.i].toUpperCase() : st.matches[st.i];
    this.input.value = `${st.lead}${name} `;
    st.value = this.input.value;
    this.updateHint(false);
    return true;
  }

  /** The grey syntax hint and the list of matching commands. */
  updateHint(resetTab = true) {
    if (resetTab) this.tabState = null;
    const v = this.input.value;
    const words = v.trim().split(/\s+/).filter(Boolean);
    const typingName = words.length <= 1 && !/\s$/.test(v);
    this.suggest.replaceChildren();
    if (!words.length) {
      this.hint.textContent = '';
      return;
    }
    const entry = this.commands.lookup(words);
    if (typingName) {
      const matches = this.commands.complete(words[0]).filter((n) => !n.includes(' ')).slice(0, 6);
      if (!(matches.length === 1 && matches[0] === words[0].toLowerCase())) {
        for (const n of matches) {
          const e = this.commands.byName.get(n);
          this.suggest.append(h('li', {
            role: 'option',
            on: { mousedown: (ev) => { ev.preventDefault(); this.input.value = `${n.toUpperCase()} `; this.updateHint(); this.input.focus(); } },
          }, h('b', n.toUpperCase()), ` ${e.summary}`));
        }
      }
    }
    if (entry) {
      this.hint.replaceChildren(h('span.syntax', this.commands.syntax(entry)), h('span.summary', ` — ${entry.summary} · ${entry.complexity || 'O(1)'} · since ${entry.since}`));
    } else {
      this.hint.textContent = typingName ? '' : `unknown command '${words[0]}'`;
    }
  }

  onPaste(e) {
    const text = e.clipboardData?.getData('text') ?? '';
    if (!text.includes('\n')) return;
    e.preventDefault();
    const lines = (this.input.value + text).split(/\r?\n/);
    this.input.value = '';
    for (const l of lines) if (l.trim()) this.runLine(l);
    this.updateHint();
  }
}
