// Steps through the forward and backward passes of the graph drawn above (page.py), and
// lets a learner practise: find each gradient, graded as `mgrad backprop --quiz` grades.
// The steps come as JSON in #mgrad-data; each names the node at work ("n4", the id that
// Graphviz keeps in each node's <title>), how far the forward pass has got (upto: a
// position in topological order) and, going backward, the gradient it sets.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("mgrad-data").textContent);
  var steps = data.steps;
  var MIN_TEXT_PX = 11;  // node text is never drawn smaller, fitted to the window or not
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
    drawRows(step.cells ? [step.cells] : []);
    document.getElementById("first").disabled = document.getElementById("prev").disabled = current === 0;
    document.getElementById("last").disabled = document.getElementById("next").disabled =
      current === steps.length - 1;
  }

  function drawRows(rows) {  // chain-rule rows under their column names
    var table = document.getElementById("row");
    table.textContent = "";
    // none: the table is kept, hidden, at the height of one row, so the graph below never moves
    table.style.visibility = rows.length ? "visible" : "hidden";
    [data.columns].concat(rows.length ? rows : [data.columns]).forEach(function (cells, k) {
      var tr = table.insertRow();
      cells.forEach(function (cell) {
        var td = document.createElement(k === 0 ? "th" : "td");
        td.textContent = cell;
        tr.appendChild(td);
      });
    });
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

  // Practice: the gradients hidden and a box on each node asked about, each answer graded
  // by the rule of `mgrad backprop --quiz` (quiz.py sends its constants and answer pattern).
  var practice = data.practice, practising = false, boxes = null, marks = {};
  var rules = practice ? practice.rules : null;
  var answerPattern = rules ? new RegExp(rules.pattern, "i") : null;

  function parseAnswer(text) {  // -> a number, or null when the text is not one
    text = String(text).trim();
    if (!answerPattern.test(text)) { return null; }
    var body = text.replace(/^[+-]/, "").toLowerCase();
    if (body === "nan") { return NaN; }
    if (body.indexOf("inf") === 0) { return text.charAt(0) === "-" ? -Infinity : Infinity; }
    return Number(text);
  }

  function rounded(x) {  // |x| to rules.digits significant digits (halves away from 0), with its sign
    return (x < 0 ? "-" : "") + Math.abs(x).toExponential(rules.digits - 1);
  }

  function grade(given, expected) {
    if (!isFinite(given) || !isFinite(expected)) {
      return given === expected || (isNaN(given) && isNaN(expected));
    }
    var tolerance = Math.max(rules.relative * Math.abs(expected), rules.absolute);
    return Math.abs(given - expected) <= tolerance || rounded(given) === rounded(expected);
  }

  function numberOf(x) {  // inf and nan come as strings in JSON
    return typeof x === "string" ? parseAnswer(x) : x;
  }

  function makeBoxes() {
    boxes = {};
    Object.keys(practice.nodes).forEach(function (id) {
      var node = nodes[id];
      if (!node || !node.gradText) { return; }
      var box = node.gradText.getBBox(), width = Math.max(box.width + 8, 56), height = box.height + 6;
      var fo = document.createElementNS("http://www.w3.org/2000/svg", "foreignObject");
      fo.setAttribute("class", "answer-box");
      fo.setAttribute("x", box.x + box.width / 2 - width / 2);
      fo.setAttribute("y", box.y + box.height / 2 - height / 2);
      fo.setAttribute("width", width);
      fo.setAttribute("height", height);
      var input = document.createElement("input");
      input.type = "text";
      input.className = "answer";
      input.placeholder = "grad ?";
      input.setAttribute("aria-label", "the gradient of " + practice.nodes[id].name);
      input.addEventListener("keydown", function (event) {
        event.stopPropagation();  // typing is not stepping
        if (event.key === "Enter") { check(id); }
      });
      fo.appendChild(input);
      node.record.appendChild(fo);
      boxes[id] = input;
    });
  }

  function check(id) {
    var entry = practice.nodes[id], input = boxes[id], text = input.value.trim(), status, message;
    var expected = numberOf(entry.grad), asked = "∂" + practice.root + "/∂" + entry.name;
    if (text === "") { return; }
    if (text === rules.reveal) {
      status = "revealed";
      input.value = entry.shown;
      message = asked + " = " + entry.shown + " (shown: it counts as missed)";
    } else {
      var given = parseAnswer(text);
      if (given === null) {
        status = "invalid";
        message = entry.name + ": not a number; type one (such as -1.5, inf or nan), or ? to see it";
      } else if (grade(given, expected)) {
        status = "right";
        message = "right: " + asked + " = " + entry.shown;
      } else {
        status = "wrong";
        message = "wrong: " + text + " is not " + asked + "; try again, or type ? to see it" + lesson(entry, given, text);
      }
    }
    input.readOnly = status === "right" || status === "revealed";
    marks[id] = status;
    ["right", "wrong", "invalid", "revealed"].forEach(function (c) { input.classList.toggle(c, c === status); });
    drawPractice(message, status === "right" || status === "revealed" ? entry.rows : null);
  }

  function lesson(entry, given, typed) {  // a reused node answered with one use's share: the += lesson
    if (entry.shares.length < 2) { return ""; }
    var one = entry.shares.some(function (share) { return grade(given, numberOf(share)); });
    return one ? ". " + entry.name + " is used " + entry.shares.length + " times: " + typed +
      " is one use's share, and " + entry.name + ".grad adds up all of them (grad +=)" : "";
  }

  function drawPractice(message, rows) {
    Object.keys(nodes).forEach(function (id) {
      var node = nodes[id];
      if (!data.nodes[id]) { return; }
      [node.record, node.op].forEach(function (g) {
        if (g) { g.classList.remove("future", "current", "target"); }
      });
      if (node.dataText) { node.dataText.textContent = node.data; }
      if (node.gradText) {
        node.gradText.textContent = practice.nodes[id] ? "" :
          (id === practice.rootId ? "grad " + practice.rootGrad : "grad –");  // a number literal: not asked
      }
    });
    var asked = Object.keys(practice.nodes).length;
    var right = Object.keys(marks).filter(function (id) { return marks[id] === "right"; }).length;
    document.getElementById("phase").textContent = "Practice: right " + right + " of " + asked;
    document.getElementById("counter").textContent = "practice";
    document.getElementById("text").textContent = message;
    drawRows(rows || []);
  }

  function setPractice(on) {
    practising = on;
    if (on && !boxes) { makeBoxes(); }
    document.getElementById("graph").classList.toggle("practice", on);
    ["first", "prev", "next", "last"].forEach(function (b) { document.getElementById(b).disabled = on; });
    if (on) {
      drawPractice("Type each node's gradient ∂" + practice.root + "/∂node in its box and press Enter (" +
                   rules.reveal + " shows it), from " + practice.root + " (grad 1) down.", null);
    } else {
      show(current);
    }
  }

  var keys = {
    ArrowRight: 1, ArrowDown: 1, PageDown: 1, " ": 1,
    ArrowLeft: -1, ArrowUp: -1, PageUp: -1
  };
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || practising) { return; }
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
  // fitted to the window, a graph shrinks only while its node text stays MIN_TEXT_PX high or
  // more (its least min-width); past that it scrolls. Fitted by default when it fits so whole.
  var fullWidth = svg.width.baseVal.value;  // px, at the size Graphviz drew
  var textUnits = Math.min.apply(null, Array.prototype.map.call(svg.querySelectorAll("g.node text"),
    function (t) { return parseFloat(t.getAttribute("font-size")) || MIN_TEXT_PX; }).concat([MIN_TEXT_PX]));
  var textPx = textUnits * fullWidth / (svg.viewBox.baseVal.width || fullWidth);
  var leastWidth = Math.ceil(fullWidth * Math.min(1, MIN_TEXT_PX / textPx));
  svg.style.minWidth = leastWidth + "px";
  var box = document.getElementById("graph"), pad = getComputedStyle(box);
  fit.checked = leastWidth <= box.clientWidth - parseFloat(pad.paddingLeft) - parseFloat(pad.paddingRight);
  fit.onchange = function () {
    document.getElementById("graph").classList.toggle("fit", fit.checked);
    if (!practising) { show(current); }
  };
  fit.onchange();
  show(0);
  if (practice) {
    var toggle = document.getElementById("practice");
    toggle.checked = false;
    toggle.onchange = function () { setPractice(toggle.checked); };
    window.mgradPractice = {parse: parseAnswer, grade: grade};  // the page's grading, for tests and the curious
  }
}());
