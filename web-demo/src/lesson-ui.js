/**
 * The lessons panel: a lesson picker, the steps of the open lesson with their "try this"
 * commands (buttons running them in the console) and a live check: after every command
 * and clock move the current step's goal is tested; when it holds, the step is ticked and
 * the next one opens.
 */
import { h } from './dom.js';
import { LESSONS, missingCommands } from './lessons.js';

export class LessonPanel {
  /** `progress`: { lessonId: number of steps done }, `current`: the open lesson's id. */
  constructor(engine, consoleUi, root, { progress = {}, current = LESSONS[0].id } = {}) {
    this.engine = engine;
    this.console = consoleUi;
    this.root = root;
    this.progress = { ...progress };
    this.current = LESSONS.some((l) => l.id === current) ? current : LESSONS[0].id;
    this.onProgress = () => {};
    this.picker = h('select.lesson-pick', { 'aria-label': 'lesson', on: { change: () => this.open(this.picker.value) } },
      LESSONS.map((l, i) => h('option', { value: l.id }, `${i + 1}. ${l.title}`)));
    this.body = h('div.lesson-body');
    root.append(h('div.lesson-head', h('span.title', 'Lessons'), this.picker), this.body);
    engine.onChange(() => this.check());
    this.open(this.current);
  }

  get lesson() {
    return LESSONS.find((l) => l.id === this.current);
  }

  open(id) {
    this.current = id;
    this.picker.value = id;
    this.render();
    this.check();
    this.onProgress();
  }

  /** Reads a value for a check, in the active console client's database. */
  q = (...args) => this.engine.read(this.console.client.db, ...args);

  /** Tests the current step's goal; advances when it holds. */
  check() {
    const l = this.lesson;
    if (missingCommands(l, this.engine.commands).length) return;
    let done = this.progress[l.id] ?? 0;
    let moved = false;
    while (done < l.steps.length) {
      let ok = false;
      try {
        ok = l.steps[done].check(this.q) === true;
      } catch {
        ok = false;
      }
      if (!ok) break;
      done++;
      moved = true;
    }
    if (moved) {
      this.progress[l.id] = done;
      this.render();
      this.onProgress();
    }
  }

  render() {
    const l = this.lesson;
    const done = this.progress[l.id] ?? 0;
    const missing = missingCommands(l, this.engine.commands);
    const parts = [];
    if (missing.length) {
      parts.push(h('p.missing', `This lesson needs ${missing.map((m) => m.toUpperCase()).join(', ')}, which this build of the engine does not implement yet.`));
    }
    l.steps.forEach((s, i) => {
      const state = i < done ? 'done' : i === done ? 'current' : 'later';
      parts.push(h(`section.step.${state}`, { 'data-step': i, 'aria-current': state === 'current' ? 'step' : false },
        h('h3', h('span.mark', { 'aria-hidden': 'true' }, state === 'done' ? '✓' : String(i + 1)), h('span.sr', state === 'done' ? 'done: ' : ''), s.goal),
        h('p', s.text),
        h('div.tries', s.try.map((t) => {
          const line = typeof t === 'string' ? t : t.line;
          const client = typeof t === 'string' ? undefined : t.client;
          return h('button.try', {
            type: 'button',
            // The full text (a multi-line entry runs each line).
            title: line,
            disabled: missing.length > 0,
            on: { click: () => this.runTry(line, client) },
          }, client === undefined ? null : h('span.cl', `client ${client + 1}: `), h('code', line.includes('\n') ? `${line.split('\n')[0]}  … (${line.split('\n').length} lines)` : line));
        }))));
    });
    if (done >= l.steps.length) {
      const next = LESSONS[LESSONS.indexOf(l) + 1];
      parts.push(h('p.complete', 'Lesson complete. ', next ? h('button.next', { type: 'button', on: { click: () => this.open(next.id) } }, `Next: ${next.title} →`) : 'That was the last one.'));
    }
    this.body.replaceChildren(...parts);
  }

  /** Runs a "try this" entry (one or more lines) in the console. */
  async runTry(text, clientIndex) {
    const client = clientIndex === undefined ? undefined : this.engine.clients[clientIndex];
    let last;
    for (const line of text.split('\n')) last = this.console.runLine(line, { client });
    await last;
    this.console.input.focus();
  }
}
