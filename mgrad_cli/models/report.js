// The replay page (models/report.py): every picture from the weight snapshots.
// Names from the data (classes, features, the target) only ever go in as text.
"use strict";
(function () {
  const D = window.mgradData;
  const ACT = {tanh: Math.tanh, relu: (a) => (a > 0 ? a : 0), linear: (a) => a,
               sigmoid: (a) => 1 / (1 + Math.exp(-a))};
  const $ = (id) => document.getElementById(id);
  const SPLIT_COLOURS = {train: "#1f77b4", val: "#ff7f0e", test: "#2ca02c"};
  const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22",
                   "#17becf", "#7f7f7f"];
  const SPLITS = ["train", "val", "test"].filter((s) => D.rows.total[s]);
  const LAST = D.epochs[D.epochs.length - 1];
  let at = Math.max(0, D.epochs.indexOf(D.kept)), timer = null;

  // --- the forward pass: raw row -> every layer's outputs, with the weights of snapshot i
  function layersOf(i, row) {
    const w = D.weights[i];
    let x = D.mean ? row.map((v, j) => (v - D.mean[j]) / D.std[j]) : row.slice();
    let p = 0;
    const outs = [];
    for (let l = 1; l < D.sizes.length; l++) {
      const nin = D.sizes[l - 1], f = ACT[D.activations[l - 1]], y = [];
      for (let u = 0; u < D.sizes[l]; u++) {
        let a = 0;
        for (let k = 0; k < nin; k++) a += w[p + k] * x[k];
        a = w[p + nin] + a;  // the bias first, then the products, as the engines sum
        y.push(f(a));
        p += nin + 1;
      }
      outs.push(y);
      x = y;
    }
    return outs;
  }
  // the class probabilities of a loss with a link (nn/losses.py's LINKS), else null
  function probabilities(out) {
    if (D.link === "sigmoid") { const p = 1 / (1 + Math.exp(-out[0])); return [1 - p, p]; }
    if (D.link !== "softmax") return null;
    const top = Math.max(...out), e = out.map((v) => Math.exp(v - top)), total = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / total);
  }
  function classOf(out) {
    if (out.some(Number.isNaN)) return null;
    if (out.length === 1) return out[0] > D.threshold ? 1 : 0;
    let c = 0;
    out.forEach((v, j) => { if (v > out[c]) c = j; });
    return c;
  }
  function predictRow(i, row) {
    const out = layersOf(i, row).pop();
    if (D.task === "regression") {
      const v = D.targetMean === null ? out[0] : out[0] * D.targetStd + D.targetMean;
      return {prediction: v, class: null, probabilities: null, outputs: out};
    }
    const c = classOf(out), p = probabilities(out);
    return {prediction: c === null ? null : D.classes[c], class: c, outputs: out,
            probabilities: p === null ? null : Object.fromEntries(D.classes.map((name, j) => [name, p[j]]))};
  }
  window.mgradReport = {
    epochs: D.epochs.slice(),
    predict(epoch, rows) {
      const i = D.epochs.indexOf(epoch);
      if (i < 0) throw new Error("no snapshot at epoch " + epoch);
      return rows.map((r) => predictRow(i, r));
    },
  };

  // --- small helpers: colours, text, tables
  const rgb = (hex) => [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16));
  const mix = (a, b, t) => a.map((v, k) => Math.round(v + (b[k] - v) * t));
  const WHITE = [255, 255, 255];
  function classColour(c) {
    if (c < PALETTE.length) return rgb(PALETTE[c]);
    const h = (c * 137.508) % 360, f = (n) => { const k = (n + h / 30) % 12; return 0.45 - 0.4 * Math.max(-1, Math.min(k - 3, 9 - k, 1)); };
    return [f(0), f(8), f(4)].map((v) => Math.round(255 * v));
  }
  // -1 .. 1 -> blue .. white .. orange (TensorFlow Playground's two colours)
  const diverging = (t) => (t < 0 ? mix(WHITE, rgb(PALETTE[0]), Math.min(1, -t)) : mix(WHITE, rgb(PALETTE[1]), Math.min(1, t)));
  const css = (c) => `rgb(${c[0]},${c[1]},${c[2]})`;
  const el = (tag, text, cls) => Object.assign(document.createElement(tag), text === undefined ? {} : {textContent: text},
                                               cls ? {className: cls} : {});
  const pct = (v) => (100 * v).toFixed(1) + "%";
  function table(head, rows) {
    const t = document.createElement("table"), tr = t.insertRow();
    head.forEach((h) => tr.appendChild(el("th", String(h))));
    rows.forEach((row) => { const r = t.insertRow(); row.forEach((c) => { r.insertCell().textContent = String(c); }); });
    return t;
  }
  function sampledNote() {
    const n = D.rows.X.length, total = SPLITS.reduce((a, s) => a + D.rows.total[s], 0);
    return n < total ? ` (a sample of ${n} of the ${total} rows)` : "";
  }

  // --- line charts over the epochs: series [{name, values, colour}], a cursor at history index k
  function chart(canvas, series, k, opts = {}) {
    const g = canvas.getContext("2d"), W = canvas.width, H = canvas.height, pad = 30;
    g.clearRect(0, 0, W, H);
    const all = series.flatMap((s) => s.values).filter((v) => v !== null && Number.isFinite(v));
    if (opts.guide !== undefined) all.push(opts.guide);
    if (!all.length) return;
    let lo = Math.min(...all), hi = Math.max(...all);
    if (hi === lo) { hi += 1; lo -= 1; }
    const n = D.history.length, X = (j) => pad + (W - 2 * pad) * (n > 1 ? j / (n - 1) : 0.5);
    const Y = (v) => H - pad - (H - 2 * pad) * (v - lo) / (hi - lo);
    g.fillStyle = "#555"; g.font = "11px sans-serif";
    g.fillText(hi.toPrecision(3), 2, pad - 6); g.fillText(lo.toPrecision(3), 2, H - pad + 12);
    g.fillText("epoch " + D.history[0].epoch, pad, H - 4);
    g.fillText(String(D.history[n - 1].epoch), W - pad - 16, H - 4);
    const vline = (j, colour, dash, top = pad / 2) => {
      g.setLineDash(dash); g.strokeStyle = colour; g.beginPath();
      g.moveTo(X(j), top); g.lineTo(X(j), H - pad); g.stroke(); g.setLineDash([]);
    };
    if (opts.guide !== undefined) {
      g.setLineDash([4, 4]); g.strokeStyle = "#999"; g.beginPath();
      g.moveTo(pad, Y(opts.guide)); g.lineTo(W - pad, Y(opts.guide)); g.stroke(); g.setLineDash([]);
      g.fillText(opts.guideLabel, W - pad - 60, Y(opts.guide) - 3);
    }
    (opts.marks || []).forEach((j) => vline(j, "#b00", [2, 2], H - pad - 12));
    series.forEach((s) => {
      g.strokeStyle = s.colour; g.lineWidth = 1.5; g.beginPath();
      let on = false;
      s.values.forEach((v, m) => {
        if (v === null || !Number.isFinite(v)) { on = false; return; }
        if (on) g.lineTo(X(m), Y(v)); else g.moveTo(X(m), Y(v));
        on = true;
      });
      g.stroke(); g.lineWidth = 1;
    });
    let x = pad + 40;  // the legend, in a row above the plot
    series.forEach((s) => { g.fillStyle = s.colour; g.fillText(s.name, x, 11); x += g.measureText(s.name).width + 14; });
    const kept = D.history.findIndex((r) => r.epoch === D.kept);
    if (kept >= 0 && kept !== n - 1) vline(kept, "#888", [1, 3]);
    vline(k, "#000", []);
  }
  const splitSeries = (key) => SPLITS.map((s) => ({name: s, colour: SPLIT_COLOURS[s],
    values: D.history.map((r) => (r[key(s)] === undefined ? null : r[key(s)]))})).filter((s) => s.values.some((v) => v !== null));
  function curves(k) {
    chart($("curves"), splitSeries((s) => (s === "train" ? "loss" : s + "_loss")), k);
    const metric = D.task === "regression" ? "r2" : "acc";
    $("metric-title").textContent = D.task === "regression" ? "R² (1 is a perfect fit)" : "accuracy";
    chart($("metric"), splitSeries((s) => s + "_" + metric), k);
  }

  // --- the layers' statistics over the epochs, and the chosen epoch's
  const log = (v) => (v > 0 ? Math.log10(v) : null);
  const FIGURES = {
    "update:data (log10), the lecture's 1e-3 guide dashed": {value: (e) => log(e.update_data), guide: -3, guideLabel: "1e-3"},
    "grad:data (log10)": {value: (e) => log(e.grad_data)},
    "dead (relu) or saturated (tanh, sigmoid): fraction of outputs": {value: (e) => (e.dead !== null ? e.dead : e.saturated)},
    "activation std": {value: (e) => e.act_std},
    "activation mean": {value: (e) => e.act_mean},
  };
  function layerChart(k) {
    const figure = FIGURES[$("layer-figure").value], n = D.sizes.length - 1;
    const marks = D.history.map((r, j) => ((r.diagnoses || []).length ? j : -1)).filter((j) => j >= 0);
    const series = Array.from({length: n}, (_, l) => ({name: "layer " + (l + 1), colour: PALETTE[l % PALETTE.length],
      values: D.history.map((r) => (r.layers && r.layers[l] ? figure.value(r.layers[l]) : null))}));
    chart($("layers"), series, k, {guide: figure.guide, guideLabel: figure.guideLabel, marks});
    const r = D.history[k], cells = (r && r.layers) || [];
    const f = (v, asPct) => (v === null || v === undefined ? "—" : asPct ? (100 * v).toFixed(0) + "%" : v.toPrecision(3));
    $("layer-table").replaceChildren(table(["layer", "act", "mean", "std", "dead", "saturated", "grad:data", "update:data"],
      cells.map((e) => [e.layer, e.activation, f(e.act_mean), f(e.act_std), f(e.dead, true), f(e.saturated, true),
                        f(e.grad_data), f(e.update_data)])));
  }
  function diagnoses(epoch) {
    const ul = $("diagnoses");
    ul.replaceChildren();
    D.history.forEach((r) => (r.diagnoses || []).forEach((line) => {
      const li = el("li", "epoch " + r.epoch + ": " + line, r.epoch <= epoch ? "seen" : "");
      li.dataset.epoch = r.epoch;
      li.title = "go to epoch " + r.epoch;
      li.addEventListener("click", () => { const i = D.epochs.findIndex((e) => e >= r.epoch); if (i >= 0) show(i); });
      ul.appendChild(li);
    }));
    if (!ul.children.length) ul.appendChild(el("li", "nothing to say: no figure stayed past a threshold"));
  }

  // --- 2-D inputs: the boundary and each hidden neuron's picture over the data's box
  const RES = 64;
  const BOX = (() => {
    const axis = (j) => {
      const v = D.rows.X.map((r) => r[j]), lo = Math.min(...v), hi = Math.max(...v), m = 0.1 * (hi - lo || 1);
      return [lo - m, hi + m];
    };
    return D.sizes[0] === 2 ? [axis(0), axis(1)] : null;
  })();
  // the forward pass at the centre of each of RES x RES cells, rows from the top
  function grid(i) {
    const [bx, by] = BOX, cells = [];
    for (let r = 0; r < RES; r++) for (let c = 0; c < RES; c++) {
      cells.push(layersOf(i, [bx[0] + (bx[1] - bx[0]) * (c + 0.5) / RES, by[1] - (by[1] - by[0]) * (r + 0.5) / RES]));
    }
    return cells;
  }
  function paint(canvas, colours) {
    const small = Object.assign(document.createElement("canvas"), {width: RES, height: RES});
    const s = small.getContext("2d"), img = s.createImageData(RES, RES);
    colours.forEach((c, k) => { img.data.set([c[0], c[1], c[2], 255], 4 * k); });
    s.putImageData(img, 0, 0);
    const g = canvas.getContext("2d");
    g.clearRect(0, 0, canvas.width, canvas.height);
    g.drawImage(small, 0, 0, canvas.width, canvas.height);
  }
  // a class and how sure the model is of it (0: a tie, 1: certain) from the outputs
  function confidence(out) {
    const c = classOf(out);
    if (c === null) return [null, 0];
    if (out.length === 1) {
      if (D.link === "sigmoid") return [c, Math.abs(2 / (1 + Math.exp(-out[0])) - 1)];
      return [c, Math.min(1, Math.abs(out[0] - D.threshold) / (1 - D.threshold))];  // 1 - threshold: to the target
    }
    const p = probabilities(out) || probabilitiesOfScores(out), K = p.length;
    return [c, Math.max(0, (p[c] - 1 / K) / (1 - 1 / K))];
  }
  function probabilitiesOfScores(out) {  // a softmax of outputs with no link: only to shade the regions
    const top = Math.max(...out), e = out.map((v) => Math.exp(v - top)), total = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / total);
  }
  const Y_RANGE = (() => {
    if (D.task !== "regression") return null;
    const lo = Math.min(...D.rows.y), hi = Math.max(...D.rows.y);
    return [lo, hi > lo ? hi : lo + 1];
  })();
  const valueColour = (v) => diverging(2 * (v - Y_RANGE[0]) / (Y_RANGE[1] - Y_RANGE[0]) - 1);
  function regionColour(out) {
    if (D.task === "regression") return valueColour(D.targetMean === null ? out[0] : out[0] * D.targetStd + D.targetMean);
    const [c, sure] = confidence(out);
    return c === null ? WHITE : mix(WHITE, classColour(c), 0.1 + 0.45 * sure);
  }
  function points(canvas) {
    const g = canvas.getContext("2d"), W = canvas.width, H = canvas.height, [bx, by] = BOX;
    D.rows.X.forEach((r, k) => {
      const px = (r[0] - bx[0]) / (bx[1] - bx[0]) * W, py = (by[1] - r[1]) / (by[1] - by[0]) * H;
      const split = D.rows.split[k];
      g.fillStyle = css(D.task === "regression" ? valueColour(D.rows.y[k]) : classColour(D.rows.y[k]));
      g.strokeStyle = split === "train" ? "#fff" : "#000";
      g.beginPath();
      if (split === "train") g.arc(px, py, 3.5, 0, 2 * Math.PI);
      else if (split === "val") { g.moveTo(px, py - 4.5); g.lineTo(px + 4.5, py); g.lineTo(px, py + 4.5); g.lineTo(px - 4.5, py); g.closePath(); }
      else g.rect(px - 3.5, py - 3.5, 7, 7);
      g.fill(); g.stroke();
    });
  }
  function legend2d() {
    const holder = $("legend");
    if (holder.children.length) return;
    const item = (colour, text) => { const s = el("span", "", "key"); s.append(el("i", "", "swatch"), text); s.firstChild.style.background = colour; return s; };
    if (D.task === "regression") {
      holder.append(item(css(diverging(-1)), `${D.target || "target"} ${Y_RANGE[0].toPrecision(3)}`),
                    item(css(WHITE), "middle"), item(css(diverging(1)), `${D.target || "target"} ${Y_RANGE[1].toPrecision(3)}`));
    } else D.classes.forEach((name, c) => holder.append(item(css(classColour(c)), name)));
    const shapes = {train: "● training rows", val: "◆ validation rows", test: "■ test rows"};
    holder.append(el("div", SPLITS.map((s) => shapes[s]).join("   ") + sampledNote(), "shapes"));
    $("axes").textContent = `across: ${D.features[0]}, up: ${D.features[1]}`;
  }
  function neuronCanvases() {
    const holder = $("neurons");
    if (holder.children.length || D.sizes.length < 3) return;
    holder.appendChild(el("h3", "what each hidden neuron responds to: orange where its output is high, blue where it is low"));
    for (let l = 0; l < D.sizes.length - 2; l++) {
      const row = el("div", undefined, "layer-row");
      row.appendChild(el("span", `layer ${l + 1} (${D.activations[l]})`, "layer-name"));
      for (let u = 0; u < D.sizes[l + 1]; u++) {
        const c = Object.assign(document.createElement("canvas"), {width: 48, height: 48, title: `layer ${l + 1}, neuron ${u + 1}`});
        c.dataset.layer = l; c.dataset.unit = u;
        row.appendChild(c);
      }
      holder.appendChild(row);
    }
  }
  // a hidden neuron's outputs over the grid -> colours: tanh on -1..1, sigmoid 0..1, others on their own range
  function neuronColours(values, act) {
    if (act === "tanh") return values.map(diverging);
    if (act === "sigmoid") return values.map((v) => diverging(2 * v - 1));
    const top = Math.max(1e-12, ...values.map(Math.abs));
    return values.map((v) => diverging(v / top));
  }
  function picture2d(i) {
    $("picture-title").textContent = D.task === "regression" ? `the prediction at epoch ${D.epochs[i]}`
      : `decision boundary at epoch ${D.epochs[i]} (paler: less sure)`;
    legend2d(); neuronCanvases();
    const cells = grid(i), last = D.sizes.length - 2;
    paint($("boundary"), cells.map((layers) => regionColour(layers[last])));
    points($("boundary"));
    for (const row of $("neurons").querySelectorAll("canvas")) {
      const l = +row.dataset.layer, u = +row.dataset.unit;
      paint(row, neuronColours(cells.map((layers) => layers[l][u]), D.activations[l]));
    }
  }

  // --- more inputs: per split, the confusion matrix and per-class accuracy, or the errors
  function confusion(preds, split) {
    const n = D.classes.length, m = Array.from({length: n}, () => new Array(n + 1).fill(0));
    let rows = 0, right = 0;
    preds.forEach((p, k) => {
      if (D.rows.split[k] !== split) return;
      const truth = D.rows.y[k];
      m[truth][p.class === null ? n : p.class] += 1;
      rows += 1; right += p.class === truth ? 1 : 0;
    });
    const none = m.some((r) => r[n] > 0);
    const head = ["true \\ predicted", ...D.classes, ...(none ? ["no class (nan)"] : []), "accuracy"];
    const t = table(head, m.map((r, c) => {
      const total = r.reduce((a, b) => a + b, 0);
      return [D.classes[c], ...(none ? r : r.slice(0, n)), total ? pct(r[c] / total) : "—"];
    }));
    t.id = "confusion-" + split;
    Array.from(t.rows).slice(1).forEach((tr, c) => {
      const total = m[c].reduce((a, b) => a + b, 0) || 1;
      m[c].slice(0, none ? n + 1 : n).forEach((v, j) => {
        if (v) tr.cells[j + 1].style.background = `rgba(${j === c ? "31,119,180" : "214,39,40"},${(0.12 + 0.5 * v / total).toFixed(3)})`;
      });
    });
    return [`${split}: ${rows} rows, accuracy ${rows ? pct(right / rows) : "—"}`, t];
  }
  function histograms(preds) {
    const err = preds.map((p, k) => p.prediction - D.rows.y[k]).filter(Number.isFinite);
    const lo = Math.min(...err), hi = Math.max(...err), BINS = 24, width = (hi - lo) || 1;
    return (split) => {
      const e = preds.map((p, k) => (D.rows.split[k] === split ? p.prediction - D.rows.y[k] : null)).filter((v) => v !== null);
      const bins = new Array(BINS).fill(0);
      e.filter(Number.isFinite).forEach((v) => { bins[Math.min(BINS - 1, Math.floor(BINS * (v - lo) / width))] += 1; });
      const c = Object.assign(document.createElement("canvas"), {width: 360, height: 110, id: "errors-" + split});
      c.dataset.bins = JSON.stringify(bins);
      const g = c.getContext("2d"), top = Math.max(1, ...bins), bw = 340 / BINS;
      g.fillStyle = SPLIT_COLOURS[split];
      bins.forEach((b, j) => g.fillRect(10 + j * bw, 92 - 80 * b / top, bw - 1, 80 * b / top));
      g.fillStyle = "#555"; g.font = "11px sans-serif";
      g.fillText(lo.toPrecision(3), 2, 106); g.fillText(hi.toPrecision(3), 310, 106);
      const zero = 10 + 340 * (0 - lo) / width;
      g.strokeStyle = "#000"; g.beginPath(); g.moveTo(zero, 8); g.lineTo(zero, 92); g.stroke();
      const mae = e.reduce((a, v) => a + Math.abs(v), 0) / (e.length || 1), rmse = Math.sqrt(e.reduce((a, v) => a + v * v, 0) / (e.length || 1));
      return [`${split}: ${e.length} rows, MAE ${mae.toPrecision(4)}, RMSE ${rmse.toPrecision(4)}`, c];
    };
  }
  function pictureMany(i) {
    const preds = D.rows.X.map((r) => predictRow(i, r)), holder = $("splits");
    $("boundary").style.display = "none";
    $("picture-title").textContent = (D.task === "regression"
      ? `errors (prediction − ${D.target || "target"}) at epoch ${D.epochs[i]}, per split`
      : `confusion matrix (rows: true class) and per-class accuracy at epoch ${D.epochs[i]}, per split`) + sampledNote();
    const one = D.task === "regression" ? histograms(preds) : (split) => confusion(preds, split);
    holder.replaceChildren(...SPLITS.map((split) => {
      const [caption, body] = one(split), box = el("div", undefined, "split");
      box.dataset.split = split;
      box.append(el("h3", caption), body);
      return box;
    }));
  }

  function show(i) {
    at = i;
    const epoch = D.epochs[i], k = D.history.findIndex((r) => r.epoch === epoch);
    $("epoch").value = i;
    $("epoch-label").textContent = `epoch ${epoch} of ${LAST}` + (epoch === D.kept && D.kept !== LAST ? " (the weights kept)" : "");
    curves(k); layerChart(k); diagnoses(epoch);
    if (D.sizes[0] === 2) picture2d(i); else pictureMany(i);
  }
  Object.keys(FIGURES).forEach((name) => $("layer-figure").appendChild(el("option", name)));
  $("layer-figure").addEventListener("change", () => layerChart(D.history.findIndex((r) => r.epoch === D.epochs[at])));
  $("epoch").max = D.epochs.length - 1;
  $("epoch").addEventListener("input", (e) => show(+e.target.value));
  function stop() { clearInterval(timer); timer = null; $("play").textContent = "play"; }
  $("play").addEventListener("click", () => {
    if (timer !== null) { stop(); return; }
    if (at === D.epochs.length - 1) show(0);
    $("play").textContent = "pause";
    timer = setInterval(() => { if (at >= D.epochs.length - 1) stop(); else show(at + 1); }, 150);
  });
  show(at);
})();
