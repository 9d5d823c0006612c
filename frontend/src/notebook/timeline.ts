/** Playback controls: the timeline slider, play/pause, speed, step back/forward, and a strip marking runs. */
import { button, h } from "../dom";
import { eventMark, type HistoryEvent } from "./history";

export type Speed = "1" | "4" | "16" | "skip";

/** How a position was reached: dragging is debounced by the host, steps and playback are not. */
export type SeekKind = "drag" | "step" | "play";

export interface TimelineHost {
  /** Show event `index`; resolves once shown (or superseded). */
  seek(index: number, how: SeekKind): Promise<void>;
}

/** Milliseconds to wait between two events at `speed` ("skip": real time, idle gaps over 1 s become 0.5 s). */
export function playDelay(from: number, to: number, speed: Speed): number {
  const gap = Math.max(0, to - from);
  const seconds = speed === "skip" ? (gap > 1 ? 0.5 : gap) : gap / Number(speed);
  return Math.min(seconds * 1000, 2 ** 31 - 1);
}

export class Timeline {
  readonly el: HTMLElement;
  readonly range: HTMLInputElement;
  private readonly strip: HTMLElement;
  private readonly playButton: HTMLButtonElement;
  private readonly backButton: HTMLButtonElement;
  private readonly forwardButton: HTMLButtonElement;
  private readonly speedSelect: HTMLSelectElement;
  private events: HistoryEvent[] = [];
  private current = 0;
  private playing = false;
  /** Bumped on every play/pause so a stale loop iteration stops. */
  private generation = 0;
  private timer: number | undefined;

  constructor(private readonly host: TimelineHost) {
    this.backButton = button("step-back", "‹ Step", "Step back one event", () => this.step(-1));
    this.playButton = button("play", "Play", "Play back the history", () => (this.playing ? this.pause() : this.play()));
    this.playButton.classList.add("play-button");
    this.forwardButton = button("step-forward", "Step ›", "Step forward one event", () => this.step(1));
    this.speedSelect = h(
      "select",
      { "data-testid": "speed", class: "speed-select", title: "Playback speed", "aria-label": "Playback speed" },
      h("option", { value: "1" }, "1×"),
      h("option", { value: "4" }, "4×"),
      h("option", { value: "16" }, "16×"),
      h("option", { value: "skip" }, "skip idle"),
    );
    this.speedSelect.value = "1";
    this.speedSelect.addEventListener("change", () => {
      if (this.playing) this.schedule(++this.generation);
    });
    this.range = h("input", { type: "range", "data-testid": "timeline", class: "timeline-range", min: 0, max: 0, step: 1, value: 0, "aria-label": "Timeline" });
    this.range.addEventListener("input", () => this.dragged());
    this.range.addEventListener("change", () => this.dragged());
    this.strip = h("div", { class: "timeline-strip", "aria-hidden": "true" });
    this.el = h(
      "div",
      { class: "timeline" },
      h("div", { class: "timeline-buttons" }, this.backButton, this.playButton, this.forwardButton, this.speedSelect),
      h("div", { class: "timeline-track" }, this.range, this.strip),
    );
    this.setEvents([], 0);
  }

  get index(): number {
    return this.current;
  }

  get speed(): Speed {
    return this.speedSelect.value as Speed;
  }

  /** Load the event list and put the slider at `index`. */
  setEvents(events: HistoryEvent[], index: number): void {
    this.pause();
    this.events = events;
    const n = events.length;
    this.range.max = String(Math.max(0, n - 1));
    this.range.disabled = n === 0;
    this.playButton.disabled = n < 2;
    this.speedSelect.disabled = n < 2;
    this.current = Math.max(0, Math.min(n - 1, index));
    this.range.value = String(this.current);
    this.drawStrip();
    this.updateButtons();
  }

  private drawStrip(): void {
    const n = this.events.length;
    const marks: HTMLElement[] = [];
    this.events.forEach((ev, i) => {
      const mark = eventMark(ev);
      if (!mark) return;
      const tick = h("span", { class: `timeline-mark mark-${mark}`, title: `${ev.kind} #${i + 1}` });
      tick.style.left = n > 1 ? `${(i / (n - 1)) * 100}%` : "0";
      marks.push(tick);
    });
    this.strip.replaceChildren(...marks);
  }

  private updateButtons(): void {
    const n = this.events.length;
    this.backButton.disabled = n === 0 || this.current <= 0;
    this.forwardButton.disabled = n === 0 || this.current >= n - 1;
    this.playButton.textContent = this.playing ? "Pause" : "Play";
    this.playButton.setAttribute("aria-pressed", String(this.playing));
  }

  private moveTo(index: number): void {
    this.current = index;
    this.range.value = String(index);
    this.updateButtons();
  }

  private dragged(): void {
    const index = Number(this.range.value);
    if (!Number.isFinite(index) || index === this.current) return;
    this.pause();
    this.moveTo(index);
    void this.host.seek(index, "drag");
  }

  step(delta: number): void {
    const index = Math.max(0, Math.min(this.events.length - 1, this.current + delta));
    this.pause();
    if (index === this.current || this.events.length === 0) return;
    this.moveTo(index);
    void this.host.seek(index, "step");
  }

  play(): void {
    if (this.playing || this.events.length < 2) return;
    this.playing = true;
    const gen = ++this.generation;
    this.updateButtons();
    if (this.current >= this.events.length - 1) {
      // at the end: start over
      this.moveTo(0);
      void this.host.seek(0, "play").then(() => this.schedule(gen));
    } else {
      this.schedule(gen);
    }
  }

  pause(): void {
    window.clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.playing) return;
    this.playing = false;
    this.generation++;
    this.updateButtons();
  }

  /** Wait for the real gap to the next event (divided by the speed), show it, repeat. */
  private schedule(gen: number): void {
    window.clearTimeout(this.timer);
    if (gen !== this.generation || !this.playing) return;
    const from = this.events[this.current];
    const to = this.events[this.current + 1];
    if (!from || !to) {
      this.pause();
      return;
    }
    this.timer = window.setTimeout(() => {
      if (gen !== this.generation) return;
      const next = this.current + 1;
      this.moveTo(next);
      void this.host.seek(next, "play").then(() => this.schedule(gen));
    }, playDelay(from.at, to.at, this.speed));
  }

  destroy(): void {
    this.pause();
  }
}
