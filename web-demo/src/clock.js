/**
 * The time control: the engine runs on the manual clock; while "playing", a real-time
 * timer advances it by the time that passed (times the speed); pause stops it; the
 * fast-forward buttons jump by seconds or minutes (active expiry runs as on a server).
 */
import { h } from './dom.js';

const STEP_MS = 250;

export class Clock {
  constructor(engine, root, { playing = true } = {}) {
    this.engine = engine;
    this.speed = 1;
    this.timer = null;
    this.onState = () => {};
    this.playBtn = h('button.play', { type: 'button', 'aria-label': 'pause the clock', on: { click: () => this.toggle() } });
    this.display = h('span.clocktime', { 'aria-live': 'off' });
    const ff = (label, ms, aria) => h('button.ff', { type: 'button', title: aria, 'aria-label': aria, on: { click: () => this.forward(ms) } }, label);
    this.speedSel = h('select.speed', { 'aria-label': 'clock speed', on: { change: () => { this.speed = Number(this.speedSel.value); } } },
      [1, 10, 60].map((s) => h('option', { value: s }, `${s}×`)));
    root.append(h('span.clocklabel', 'clock'), this.display, this.playBtn, this.speedSel,
      ff('+1s', 1000, 'forward 1 second'), ff('+10s', 10_000, 'forward 10 seconds'), ff('+1m', 60_000, 'forward 1 minute'), ff('+10m', 600_000, 'forward 10 minutes'));
    this.setPlaying(playing);
    this.show();
    // Display only: the engine's time shown once a second even when nothing else moves.
    this.displayTimer = setInterval(() => this.show(), 1000);
  }

  get playing() {
    return this.timer !== null;
  }

  setPlaying(on) {
    if (on === this.playing) return this.render();
    if (on) {
      let last = performance.now();
      this.timer = setInterval(() => {
        const t = performance.now();
        const ms = Math.round((t - last) * this.speed);
        last = t;
        this.engine.advance(ms);
        this.show();
      }, STEP_MS);
    } else {
      clearInterval(this.timer);
      this.timer = null;
    }
    this.render();
    this.onState();
  }

  toggle() {
    this.setPlaying(!this.playing);
  }

  /** Jumps the clock forward by `ms`. */
  forward(ms) {
    this.engine.advance(ms);
    this.show();
  }

  render() {
    this.playBtn.textContent = this.playing ? '❚❚ pause' : '▶ play';
    this.playBtn.setAttribute('aria-label', this.playing ? 'pause the clock' : 'start the clock');
    this.playBtn.setAttribute('aria-pressed', this.playing ? 'false' : 'true');
  }

  show() {
    const d = new Date(this.engine.now);
    this.display.textContent = d.toISOString().slice(11, 19);
    this.display.title = d.toISOString();
  }

  destroy() {
    this.setPlaying(false);
    clearInterval(this.displayTimer);
  }
}
