// The task page's metric charts: one uPlot line chart per series the output reported
// ({"metrics": {...}, "step": N} lines), loaded from GET /tasks/<id>/metrics and extended by
// "metrics" events. Redraws wait for the next animation frame, so a burst of points costs one.
// uPlot is imported when the first series comes, not with the page: evaluating it takes longer
// than a frame, and most tasks report no metrics.
let uPlotLoading = null;
function loadUPlot() {
  uPlotLoading ??= import("/vendor/uPlot.esm.js").then((module) => module.default);
  return uPlotLoading;
}

const MAX_POINTS = 20_000; // per series in the page; past it every other point goes
const SIZE = { width: 340, height: 150 };
const COLOURS = ["#6cb6ff", "#f2cc60", "#7ee787", "#ffa198", "#d2a8ff", "#76e3ea"];

export class MetricCharts {
  #charts = new Map(); // name -> {steps, values, plot, latest}
  #dirty = new Set();

  /** @param {HTMLElement} container */
  constructor(container) {
    this.container = container;
  }

  /** Replace each given series with its points ({name: [[step, value], ...]}). */
  replace(series) {
    for (const [name, points] of Object.entries(series)) {
      const chart = this.#chart(name);
      const sorted = [...points].sort((a, b) => a[0] - b[0]); // uPlot wants ascending x
      chart.steps = sorted.map((p) => p[0]);
      chart.values = sorted.map((p) => p[1]);
      this.#changed(name);
    }
  }

  /**
   * Add live points. Only those past a series' last step count: an event may repeat points a
   * reload already brought, and uPlot needs steps in ascending order anyway.
   */
  add(series) {
    for (const [name, points] of Object.entries(series)) {
      const chart = this.#chart(name);
      for (const [step, value] of points) {
        if (chart.steps.length && step <= chart.steps.at(-1)) continue;
        chart.steps.push(step);
        chart.values.push(value);
      }
      if (chart.steps.length > MAX_POINTS) {
        chart.steps = chart.steps.filter((_, i) => i % 2 === 0);
        chart.values = chart.values.filter((_, i) => i % 2 === 0);
      }
      this.#changed(name);
    }
  }

  /** For tests and curious users: a series' points as the chart holds them. */
  points(name) {
    const chart = this.#charts.get(name);
    return chart ? chart.steps.map((step, i) => [step, chart.values[i]]) : null;
  }

  #chart(name) {
    let chart = this.#charts.get(name);
    if (chart) return chart;
    const figure = document.createElement("figure");
    figure.className = "chart";
    figure.dataset.series = name;
    const caption = document.createElement("figcaption");
    const title = document.createElement("span");
    title.textContent = name;
    const latest = document.createElement("span");
    latest.className = "latest";
    caption.append(title, latest);
    const plotArea = document.createElement("div");
    figure.append(caption, plotArea);
    this.container.append(figure);
    this.container.hidden = false;
    const colour = COLOURS[this.#charts.size % COLOURS.length];
    chart = { steps: [], values: [], plot: null, latest };
    this.#charts.set(name, chart);
    loadUPlot().then((uPlot) => {
      chart.plot = new uPlot(options(name, colour), [[], []], plotArea);
      this.#changed(name);
    });
    return chart;
  }

  #changed(name) {
    if (this.#dirty.size === 0) requestAnimationFrame(() => this.#draw());
    this.#dirty.add(name);
  }

  #draw() {
    for (const name of this.#dirty) {
      const chart = this.#charts.get(name);
      if (!chart.plot) continue; // drawn once uPlot is loaded
      chart.plot.setData([chart.steps, chart.values]);
      const value = chart.values.at(-1);
      chart.latest.textContent = value === undefined ? "" : formatValue(value);
      chart.plot.root.closest(".chart").dataset.points = String(chart.steps.length);
    }
    this.#dirty.clear();
  }
}

function options(name, colour) {
  const axis = {
    stroke: "#8b96a8",
    grid: { stroke: "#2a3341", width: 1 },
    ticks: { stroke: "#2a3341", width: 1 },
    font: "11px system-ui, sans-serif",
  };
  return {
    ...SIZE,
    scales: { x: { time: false } },
    legend: { show: false },
    cursor: { drag: { x: true, y: false } },
    series: [{ label: "step" }, { label: name, stroke: colour, width: 1.5, points: { show: false } }],
    axes: [axis, { ...axis, size: 56 }],
  };
}

function formatValue(value) {
  return Math.abs(value) >= 1e5 || (value !== 0 && Math.abs(value) < 1e-3)
    ? value.toExponential(3)
    : String(Number(value.toPrecision(5)));
}
