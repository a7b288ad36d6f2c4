// Steps through the forward and backward passes of the graph drawn above (htmlpage.py).
// The steps come as JSON in #mgrad-data; each names the node at work ("n4", the id that
// Graphviz keeps in each node's <title>), how far the forward pass has got (upto: a
// position in topological order) and, going backward, the gradient it sets.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("mgrad-data").textContent);
  var steps = data.steps;
  var nodes = {};  // id -> {record, op (its op node, if any), dataText, gradText, data, grad}

  document.querySelectorAll("#graph g.node").forEach(function (g) {
    var title = g.querySelector("title").textContent;
    var id = title.replace(/_op$/, "");
    var node = nodes[id] || (nodes[id] = {});
    node[title === id ? "record" : "op"] = g;
    g.querySelectorAll("text").forEach(function (t) {
      var text = t.textContent;
      if (text.indexOf("data ") === 0) { node.dataText = t; node.data = text; }
      if (text.indexOf("grad ") === 0) { node.gradText = t; node.grad = text; }
    });
  });

  var current = 0;

  function grads(upTo) {  // the gradients set by the steps so far: the backward pass replayed
    var out = {};
    for (var i = 0; i <= upTo; i++) {
      if (steps[i].grad) { out[steps[i].grad[0]] = steps[i].grad[1]; }
    }
    return out;
  }

  function drawNodes(step) {
    var shown = grads(current);
    Object.keys(nodes).forEach(function (id) {
      var node = nodes[id], meta = data.nodes[id];
      if (!meta) { return; }
      var future = meta.op && meta.position > step.upto;
      [node.record, node.op].forEach(function (g) {
        if (!g) { return; }
        g.classList.toggle("future", future);
        g.classList.toggle("current", id === step.node);
      });
      node.record.classList.toggle("target", id === step.input);
      if (node.dataText) { node.dataText.textContent = future ? "data ?" : node.data; }
      if (node.gradText) {
        node.gradText.textContent = step.phase === "end" ? node.grad : "grad " + (shown[id] || data.gradStart);
      }
    });
  }

  function drawPanel(step) {
    document.getElementById("phase").textContent = step.title;
    document.getElementById("text").textContent = step.text;
    document.getElementById("counter").textContent = "step " + current + " of " + (steps.length - 1);
    var table = document.getElementById("row");
    table.textContent = "";
    if (step.cells) {
      [data.columns, step.cells].forEach(function (cells, k) {
        var tr = table.insertRow();
        cells.forEach(function (cell) {
          var td = document.createElement(k === 0 ? "th" : "td");
          td.textContent = cell;
          tr.appendChild(td);
        });
      });
    }
    document.getElementById("first").disabled = document.getElementById("prev").disabled = current === 0;
    document.getElementById("last").disabled = document.getElementById("next").disabled =
      current === steps.length - 1;
  }

  function show(k) {
    current = Math.max(0, Math.min(steps.length - 1, k));
    var step = steps[current];
    drawNodes(step);
    drawPanel(step);
    var focus = step.input || step.node;
    if (focus && nodes[focus]) {
      nodes[focus].record.scrollIntoView({block: "nearest", inline: "nearest"});
    }
  }

  var keys = {
    ArrowRight: 1, ArrowDown: 1, PageDown: 1, " ": 1,
    ArrowLeft: -1, ArrowUp: -1, PageUp: -1
  };
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (event.key in keys) {
      show(current + keys[event.key]);
    } else if (event.key === "Home") {
      show(0);
    } else if (event.key === "End") {
      show(steps.length - 1);
    } else {
      return;
    }
    event.preventDefault();
  });
  document.getElementById("first").onclick = function () { show(0); };
  document.getElementById("prev").onclick = function () { show(current - 1); };
  document.getElementById("next").onclick = function () { show(current + 1); };
  document.getElementById("last").onclick = function () { show(steps.length - 1); };
  var fit = document.getElementById("fit");
  var svg = document.querySelector("#graph svg");
  // fit a graph to the window only when that keeps its text readable (at most 1.8x smaller)
  fit.checked = svg.width.baseVal.value <= 1.8 * document.getElementById("graph").clientWidth;
  fit.onchange = function () {
    document.getElementById("graph").classList.toggle("fit", fit.checked);
    show(current);
  };
  fit.onchange();
  show(0);
}());
