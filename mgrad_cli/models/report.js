// The replay page (models/report.py): every picture from the weight snapshots.
"use strict";
(function () {
  const D = window.mgradData;
  const ACT = {tanh: Math.tanh, relu: (a) => (a > 0 ? a : 0), linear: (a) => a,
               sigmoid: (a) => 1 / (1 + Math.exp(-a))};
  const $ = (id) => document.getElementById(id);
  let at = D.epochs.length - 1, timer = null;

  // the forward pass: raw row -> every layer's outputs, with the weights of snapshot i
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
  function predictRow(i, row) {
    const out = layersOf(i, row).pop();
    if (D.task === "regression") {
      const v = D.targetMean === null ? out[0] : out[0] * D.targetStd + D.targetMean;
      return {prediction: v, class: null, outputs: out};
    }
    let c = 0;
    if (out.length === 1) c = out[0] > D.threshold ? 1 : 0;
    else out.forEach((v, j) => { if (v > out[c]) c = j; });
    if (out.some(Number.isNaN)) return {prediction: null, class: null, outputs: out};
    return {prediction: D.classes[c], class: c, outputs: out};
  }
  window.mgradReport = {
    epochs: D.epochs.slice(),
    predict(epoch, rows) {
      const i = D.epochs.indexOf(epoch);
      if (i < 0) throw new Error("no snapshot at epoch " + epoch);
      return rows.map((r) => predictRow(i, r));
    },
  };

  // a line chart: series [{values, colour, dash}] over the epochs, a cursor at `cursor`
  function chart(canvas, series, cursor, guide) {
    const g = canvas.getContext("2d"), W = canvas.width, H = canvas.height, pad = 28;
    g.clearRect(0, 0, W, H);
    const all = series.flatMap((s) => s.values).filter((v) => v !== null && Number.isFinite(v));
    if (guide !== undefined) all.push(guide);
    if (!all.length) return;
    let lo = Math.min(...all), hi = Math.max(...all);
    if (hi === lo) { hi += 1; lo -= 1; }
    const n = D.history.length, X = (k) => pad + (W - 2 * pad) * (n > 1 ? k / (n - 1) : 0.5);
    const Y = (v) => H - pad - (H - 2 * pad) * (v - lo) / (hi - lo);
    g.fillStyle = "#555"; g.font = "11px sans-serif";
    g.fillText(hi.toPrecision(3), 2, pad - 4); g.fillText(lo.toPrecision(3), 2, H - pad + 12);
    if (guide !== undefined) {
      g.setLineDash([4, 4]); g.strokeStyle = "#999"; g.beginPath();
      g.moveTo(pad, Y(guide)); g.lineTo(W - pad, Y(guide)); g.stroke(); g.setLineDash([]);
    }
    series.forEach((s, j) => {
      g.strokeStyle = s.colour; g.beginPath();
      let on = false;
      s.values.forEach((v, k) => {
        if (v === null || !Number.isFinite(v)) { on = false; return; }
        if (on) g.lineTo(X(k), Y(v)); else g.moveTo(X(k), Y(v));
        on = true;
      });
      g.stroke();
      g.fillStyle = s.colour; g.fillText(s.name, W - pad - 90, 12 + 12 * j);
    });
    g.strokeStyle = "#000"; g.beginPath();
    g.moveTo(X(cursor), pad / 2); g.lineTo(X(cursor), H - pad); g.stroke();
  }
  const COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];
  function curves(k) {
    const keys = Object.keys(D.history[0] || {}).filter((key) =>
      /loss$|_acc$|_r2$/.test(key) && D.history.some((r) => r[key] !== null));
    chart($("curves"), keys.map((key, j) => ({name: key, colour: COLOURS[j % 6],
                                              values: D.history.map((r) => r[key])})), k);
  }
  function layerChart(k) {
    const n = D.sizes.length - 1, log = (v) => (v > 0 ? Math.log10(v) : null);
    chart($("layers"), Array.from({length: n}, (_, l) => ({name: "layer " + (l + 1), colour: COLOURS[l % 6],
      values: D.history.map((r) => (r.layers && r.layers[l] ? log(r.layers[l].update_data) : null))})), k, -3);
    const r = D.history[k], cells = (r && r.layers) || [];
    const f = (v, pct) => (v === null || v === undefined ? "—" : pct ? (100 * v).toFixed(0) + "%" : v.toPrecision(3));
    $("layer-table").replaceChildren(table(["layer", "act", "mean", "std", "dead", "saturated", "update:data"],
      cells.map((e) => [e.layer, e.activation, f(e.act_mean), f(e.act_std), f(e.dead, true), f(e.saturated, true),
                        f(e.update_data)])));
  }
  function table(head, rows) {
    const t = document.createElement("table"), tr = t.insertRow();
    head.forEach((h) => { const th = document.createElement("th"); th.textContent = h; tr.appendChild(th); });
    rows.forEach((row) => { const r = t.insertRow(); row.forEach((c) => { r.insertCell().textContent = String(c); }); });
    return t;
  }
  function diagnoses(epoch) {
    const ul = $("diagnoses");
    ul.replaceChildren();
    D.history.forEach((r) => (r.diagnoses || []).forEach((line) => {
      const li = document.createElement("li");
      li.textContent = "epoch " + r.epoch + ": " + line;
      if (r.epoch <= epoch) li.className = "seen";
      ul.appendChild(li);
    }));
    if (!ul.children.length) ul.appendChild(Object.assign(document.createElement("li"), {textContent: "nothing to say"}));
  }

  // 2-D inputs: the boundary and each hidden neuron's picture over the data's box
  const RES = 60;
  function box() {
    const xs = D.rows.X.map((r) => r[0]), ys = D.rows.X.map((r) => r[1]);
    const m = (a, b) => [Math.min(...a) - 0.1 * (b - 0), Math.max(...a) + 0.1 * (b - 0)];
    const sx = Math.max(...xs) - Math.min(...xs) || 1, sy = Math.max(...ys) - Math.min(...ys) || 1;
    return [m(xs, sx), m(ys, sy)];
  }
  function heat(canvas, value, lo, hi, points) {
    const g = canvas.getContext("2d"), W = canvas.width, H = canvas.height, [bx, by] = box();
    const cw = W / RES, ch = H / RES;
    for (let i = 0; i < RES; i++) for (let j = 0; j < RES; j++) {
      const x = bx[0] + (bx[1] - bx[0]) * (i + 0.5) / RES, y = by[1] - (by[1] - by[0]) * (j + 0.5) / RES;
      const t = Math.max(0, Math.min(1, (value(x, y) - lo) / (hi - lo)));
      g.fillStyle = `rgb(${Math.round(255 - 80 * t)},${Math.round(175 + 40 * (1 - Math.abs(2 * t - 1)))},${Math.round(175 + 80 * t)})`;
      g.fillRect(i * cw, j * ch, cw + 1, ch + 1);
    }
    if (!points) return;
    D.rows.X.forEach((r, k) => {
      const px = (r[0] - bx[0]) / (bx[1] - bx[0]) * W, py = (by[1] - r[1]) / (by[1] - by[0]) * H;
      g.fillStyle = D.rows.y[k] > 0 ? "#1f4e99" : "#b35900";
      g.strokeStyle = D.rows.split[k] === "train" ? "#fff" : "#000";
      g.beginPath();
      if (D.rows.split[k] === "train") g.arc(px, py, 3, 0, 7); else g.rect(px - 3, py - 3, 6, 6);
      g.fill(); g.stroke();
    });
  }
  function picture2d(i) {
    $("picture-title").textContent = "decision boundary (circles: training rows, squares: held out)";
    const lastAct = D.activations[D.activations.length - 1];
    const score = (x, y) => { const o = layersOf(i, [x, y]).pop(); return o.length === 1 ? o[0] : o[1] - o[0]; };
    const mid = D.threshold === null ? 0 : D.threshold, span = lastAct === "sigmoid" ? 0.5 : 2;
    heat($("boundary"), score, mid - span, mid + span, true);
    const holder = $("neurons");
    if (!holder.children.length) {
      for (let l = 0; l < D.sizes.length - 2; l++) for (let u = 0; u < D.sizes[l + 1]; u++) {
        const c = Object.assign(document.createElement("canvas"), {width: 48, height: 48,
                                                                  title: `layer ${l + 1}, neuron ${u}`});
        c.dataset.layer = l; c.dataset.unit = u;
        holder.appendChild(c);
      }
    }
    for (const c of holder.children) {
      const l = +c.dataset.layer, u = +c.dataset.unit, relu = D.activations[l] === "relu";
      heat(c, (x, y) => layersOf(i, [x, y])[l][u], relu ? 0 : -1, relu ? 2 : 1, false);
    }
  }
  function pictureMany(i) {
    const preds = D.rows.X.map((r) => predictRow(i, r));
    if (D.task === "regression") {
      $("picture-title").textContent = "errors (prediction - target)";
      const err = preds.map((p, k) => p.prediction - D.rows.y[k]);
      const lo = Math.min(...err), hi = Math.max(...err), bins = new Array(20).fill(0);
      err.forEach((e) => { bins[Math.min(19, Math.floor(20 * (e - lo) / ((hi - lo) || 1)))] += 1; });
      const g = $("boundary").getContext("2d"), W = 240, H = 240, top = Math.max(...bins);
      g.clearRect(0, 0, W, H); g.fillStyle = "#1f77b4";
      bins.forEach((b, j) => g.fillRect(j * 12, H - H * b / top, 11, H * b / top));
      return;
    }
    $("picture-title").textContent = "confusion matrix (rows: true class) and per-class accuracy";
    const n = D.classes.length, m = Array.from({length: n}, () => new Array(n).fill(0));
    preds.forEach((p, k) => { if (p.class !== null) m[D.rows.y[k]][p.class] += 1; });
    $("boundary").style.display = "none";
    $("confusion").replaceChildren(table(["true \\ predicted", ...D.classes, "accuracy"], m.map((row, c) => {
      const total = row.reduce((a, b) => a + b, 0);
      return [D.classes[c], ...row, total ? (100 * row[c] / total).toFixed(1) + "%" : "—"];
    })));
  }
  function show(i) {
    at = i;
    const epoch = D.epochs[i], k = D.history.findIndex((r) => r.epoch === epoch);
    $("epoch").value = i;
    $("epoch-label").textContent = `epoch ${epoch} of ${D.epochs[D.epochs.length - 1]}`;
    curves(k); layerChart(k); diagnoses(epoch);
    if (D.sizes[0] === 2) picture2d(i); else pictureMany(i);
  }
  $("epoch").max = D.epochs.length - 1;
  $("epoch").addEventListener("input", (e) => show(+e.target.value));
  $("play").addEventListener("click", () => {
    if (timer !== null) { clearInterval(timer); timer = null; $("play").textContent = "play"; return; }
    if (at === D.epochs.length - 1) show(0);
    $("play").textContent = "pause";
    timer = setInterval(() => {
      if (at >= D.epochs.length - 1) { clearInterval(timer); timer = null; $("play").textContent = "play"; return; }
      show(at + 1);
    }, 150);
  });
  show(at);
})();
