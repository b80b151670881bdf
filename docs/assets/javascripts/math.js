// Renders math with the KaTeX that ships with the site (assets/vendor/katex), no CDN.
// hooks/math_assets.py links KaTeX and this script only on the pages that have math.
// Markdown pages: pymdownx.arithmatex (generic) wraps math in .arithmatex as \( \) and \[ \].
// Notebook pages: nbconvert leaves $...$ and $$...$$ in the markdown cells (and text/latex
// outputs) as text. A formula KaTeX cannot parse stays as text and is reported with console.error.
//
// Off the critical path (issue 9):
// - KaTeX's script is not in the page: this script asks for it once the page has loaded.
// - KaTeX's stylesheet does not block the first paint: the hook links it with media="print" and
//   data-pl-katex, and this script switches it on (media="all") once it has loaded, then renders;
//   KaTeX markup is never shown without its styles. Where the link is missing (a page reached by
//   Material's instant navigation from a page without math), it is added here.
// - Rendering runs in short tasks of about BUDGET_MS each, one formula at a time (a task stops
//   when its slowest formula so far would no longer fit), yielding with scheduler.yield() (or
//   setTimeout), never inside Material's document$ callback itself.
// - Math inside a closed <details> (the collapsed "further", hint and solution blocks) waits until
//   its block opens: a capture-phase click/keydown on the summary renders it before the block
//   opens; a MutationObserver on the `open` attribute (a microtask, so before the next paint)
//   catches the other ways: find-in-page, anchors, scripts, printing. Nested blocks alike.
// - Content added later (a block's body fetched after the page) announces itself with a bubbling
//   `pl:content` event on its container: its math renders like the page's (at once if visible).
// window.plMath tells tests how far it got: {state: "waiting"|"rendering"|"done", tasks, formulas}.
(function () {
  var BRACKETS = [
    { left: "\\[", right: "\\]", display: true },
    { left: "\\(", right: "\\)", display: false },
  ];
  var NOTEBOOK = [
    { left: "$$", right: "$$", display: true },
    { left: "$", right: "$", display: false },
    { left: "\\begin{equation}", right: "\\end{equation}", display: true },
    { left: "\\begin{align}", right: "\\end{align}", display: true },
  ].concat(BRACKETS);
  var IGNORED = { SCRIPT: 1, NOSCRIPT: 1, STYLE: 1, TEXTAREA: 1, PRE: 1, CODE: 1, OPTION: 1 };
  // ~8 ms per task: under Lighthouse's 4x CPU slowdown still well below the 50 ms of a long task.
  var BUDGET_MS = typeof window.plMathBudgetMs === "number" ? window.plMathBudgetMs : 8;
  var HERE = document.currentScript && document.currentScript.src;
  var CSS_URL = HERE ? new URL("../vendor/katex/katex.min.css", HERE).href : null;
  var KATEX_URL = HERE ? new URL("../vendor/katex/katex.min.js", HERE).href : null;

  var stats = (window.plMath = { state: "waiting", tasks: 0, formulas: 0 });
  var page = 0; // bumped for each document$ emission: a newer page abandons the older queue
  var cssReady = false;
  var queue = []; // visible text nodes with math, in document order: {node, delimiters}
  var deferred = []; // the same, inside a closed <details>
  var running = false;
  var roots = []; // the elements whose text may hold math: [element, delimiters]
  var started = 0; // the page whose roots are collected
  var stale = false; // a queued text node was replaced (search highlighting does): collect again
  var failed = new WeakSet(); // formulas KaTeX could not parse, left as text: not tried again

  // ---------------------------------------------------------------- splitting (as auto-render)
  // KaTeX's contrib/auto-render (MIT) splits the same way: the first opening delimiter, then the
  // matching closing one outside braces; \begin{...} environments are passed to KaTeX whole.
  function escapeRegex(s) {
    return s.replace(/[-/\\^$*+?.()|[\]{}]/g, "\\$&");
  }
  function leftRegex(delimiters) {
    return new RegExp("(" + delimiters.map(function (d) { return escapeRegex(d.left); }).join("|") + ")");
  }
  var LEFT = new Map([[BRACKETS, leftRegex(BRACKETS)], [NOTEBOOK, leftRegex(NOTEBOOK)]]);

  function findEnd(delimiter, text, start) {
    var braces = 0;
    for (var i = start; i < text.length; i++) {
      var c = text[i];
      if (braces <= 0 && text.slice(i, i + delimiter.length) === delimiter) return i;
      if (c === "\\") i++;
      else if (c === "{") braces++;
      else if (c === "}") braces--;
    }
    return -1;
  }

  // The first formula of `text`: {start, end, tex, display}, or null.
  function firstMath(text, delimiters) {
    var start = text.search(LEFT.get(delimiters));
    if (start < 0) return null;
    var rest = text.slice(start);
    var d = delimiters.find(function (x) { return rest.startsWith(x.left); });
    var close = findEnd(d.right, rest, d.left.length);
    if (close < 0) return null;
    var raw = rest.slice(0, close + d.right.length);
    var tex = /^\\begin{/.test(raw) ? raw : rest.slice(d.left.length, close);
    return { start: start, end: start + raw.length, tex: tex, display: d.display };
  }

  // ---------------------------------------------------------------- rendering
  // Renders the first formula of item.node in place; true while the node has more math.
  function renderOne(item) {
    var node = item.node;
    if (!node.isConnected) {
      stale = stale || node.length > 0;
      return false;
    }
    var m = firstMath(node.data, item.delimiters);
    if (!m) return false;
    var mathNode = m.start > 0 ? node.splitText(m.start) : node;
    var rest = mathNode.splitText(m.end - m.start);
    var span = document.createElement("span");
    try {
      katex.render(m.tex, span, { displayMode: m.display });
      mathNode.parentNode.replaceChild(span, mathNode);
    } catch (e) {
      if (!(e instanceof katex.ParseError)) throw e;
      failed.add(mathNode);
      console.error("KaTeX auto-render: Failed to parse `" + m.tex + "` with ", e);
    }
    stats.formulas++;
    if (!rest.length) rest.remove(); // the formula ended the text: no empty node left behind
    item.node = rest;
    return true;
  }

  function renderAll(item) {
    while (renderOne(item));
  }

  function yieldThen(fn) {
    if (window.scheduler && typeof window.scheduler.yield === "function") window.scheduler.yield().then(fn);
    else setTimeout(fn, 0);
  }

  function work(forPage) {
    if (forPage !== page) return;
    stats.tasks++;
    var now = performance.now();
    var deadline = now + BUDGET_MS;
    var longest = 0; // the slowest formula of this task so far: the next one may take as long
    do {
      if (!queue.length && stale) refresh();
      if (!queue.length) {
        running = false;
        stats.state = "done";
        return;
      }
      var before = now;
      if (!renderOne(queue[0])) queue.shift();
      now = performance.now();
      longest = Math.max(longest, now - before);
    } while (now + longest < deadline);
    yieldThen(function () { work(forPage); });
  }

  function kick() {
    if (!cssReady || running || !queue.length) {
      if (cssReady && !running) stats.state = "done";
      return;
    }
    running = true;
    stats.state = "rendering";
    var forPage = page;
    yieldThen(function () { work(forPage); });
  }

  // ---------------------------------------------------------------- closed <details>
  // Whether `node` is hidden by a closed <details> (its summary excepted); `opening` counts as open.
  function hidden(node, opening) {
    for (var child = node, el = node.parentNode; el && el.nodeType === 1; child = el, el = el.parentNode) {
      if (el.nodeName === "DETAILS" && el !== opening && !el.open && child.nodeName !== "SUMMARY") return true;
    }
    return false;
  }

  function reveal(details, opening, again) {
    var now = [];
    deferred = deferred.filter(function (item) {
      var node = item.node; // one that was replaced meanwhile: renderOne notes it, collect again
      if (node.isConnected && (!details.contains(node) || hidden(node, opening))) return true;
      now.push(item);
      return false;
    });
    if (!now.length) return;
    if (!cssReady) {
      queue = now.concat(queue); // first thing once the stylesheet is there
      return;
    }
    now.forEach(renderAll); // in this task: the block shows rendered math from its first paint
    if (stale && !again) {
      refresh(); // finds the block's replaced text again: in the queue if the block is open already
      queue = queue.filter(function (item) {
        if (!details.contains(item.node)) return true;
        renderAll(item);
        return false;
      });
      reveal(details, opening, true);
      kick();
    }
  }

  function onActivate(event) {
    if (event.type === "keydown" && event.key !== "Enter" && event.key !== " ") return;
    var summary = event.target && event.target.closest && event.target.closest("summary");
    var details = summary && summary.parentNode;
    if (details && details.nodeName === "DETAILS" && !details.open) reveal(details, details);
  }

  function onOpen(records) {
    records.forEach(function (r) {
      if (r.target.nodeName === "DETAILS" && r.target.open) reveal(r.target, null);
    });
  }

  // ---------------------------------------------------------------- collecting, per page
  function collect(root, delimiters) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT, {
      acceptNode: function (n) {
        if (n.nodeType === 1) {
          return IGNORED[n.nodeName] || n.classList.contains("katex") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_SKIP;
        }
        return !failed.has(n) && LEFT.get(delimiters).test(n.data) ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP;
      },
    });
    for (var n = walker.nextNode(); n; n = walker.nextNode()) {
      (hidden(n, null) ? deferred : queue).push({ node: n, delimiters: delimiters });
    }
  }

  // Material's search highlighting (a page opened from a search result, ?h=...) wraps the
  // terms in <mark> elements, also inside TeX not yet rendered: unwrap those inside a formula.
  function unmark(root, delimiters) {
    var parents = new Set();
    root.querySelectorAll("mark[data-md-highlight]").forEach(function (m) { parents.add(m.parentNode); });
    parents.forEach(function (p) {
      var text = "";
      var marks = [];
      for (var c = p.firstChild; c; c = c.nextSibling) {
        var t = c.nodeType === 3 ? c.data : c.textContent;
        if (c.nodeName === "MARK" && c.hasAttribute("data-md-highlight")) marks.push([c, text.length, text.length + t.length]);
        text += t;
      }
      var formulas = [];
      for (var at = 0, m; (m = firstMath(text.slice(at), delimiters)); at += m.end) {
        formulas.push([at + m.start, at + m.end]);
      }
      marks.forEach(function (k) {
        if (formulas.some(function (f) { return k[1] < f[1] && k[2] > f[0]; })) k[0].replaceWith(k[0].textContent);
      });
      p.normalize();
    });
  }

  var NOTEBOOK_ROOTS = ".jupyter-wrapper .jp-RenderedMarkdown, .jupyter-wrapper .jp-RenderedLatex";
  function rootsIn(el) {
    var found = [];
    el.querySelectorAll(".arithmatex").forEach(function (r) { found.push([r, BRACKETS]); });
    el.querySelectorAll(NOTEBOOK_ROOTS).forEach(function (r) { found.push([r, NOTEBOOK]); });
    return found;
  }

  function onContent(event) {
    var el = event.target;
    if (started !== page || !el || el.nodeType !== 1) return; // not collected yet: start() will
    var added = rootsIn(el);
    roots = roots.concat(added);
    var pending = queue;
    queue = [];
    added.forEach(function (r) { collect(r[0], r[1]); }); // hidden ones go to `deferred`
    if (cssReady) {
      queue.forEach(renderAll); // visible now: the reader may be looking at it
      queue = pending;
    } else {
      queue = pending.concat(queue);
    }
  }

  // Every text node with math not yet rendered, from scratch.
  function refresh() {
    stale = false;
    queue = [];
    deferred = [];
    var marked = document.querySelector("mark[data-md-highlight]");
    roots.forEach(function (r) {
      if (marked) unmark(r[0], r[1]);
      collect(r[0], r[1]);
    });
  }

  function stylesheet(done) {
    var link = document.querySelector("link[data-pl-katex]");
    if (!link && CSS_URL) {
      link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = CSS_URL;
      link.media = "print";
      link.setAttribute("data-pl-katex", "");
      document.head.appendChild(link);
    }
    if (!link) return done();
    function on() {
      link.media = "all";
      done();
    }
    if (link.sheet) return on();
    link.addEventListener("load", on, { once: true });
    link.addEventListener("error", function () {
      console.error("math.js: KaTeX's stylesheet did not load: " + link.href);
    }, { once: true });
  }

  // KaTeX itself (273 KB) is asked for once the page has loaded: a phone's first paint does
  // not share the connection with it (hooks/math_assets.py links math.js only).
  var library = null; // callbacks waiting for KaTeX, while it loads
  function withKatex(done) {
    if (typeof katex !== "undefined") return done();
    if (library) return library.push(done);
    library = [done];
    var script = document.createElement("script");
    script.src = KATEX_URL;
    script.addEventListener("load", function () {
      var waiting = library;
      library = null;
      waiting.forEach(function (fn) { fn(); });
    }, { once: true });
    script.addEventListener("error", function () {
      library = null;
      console.error("math.js: KaTeX did not load: " + script.src);
    }, { once: true });
    document.head.appendChild(script);
  }

  function afterLoad(fn) {
    if (document.readyState === "complete") fn();
    else window.addEventListener("load", fn, { once: true });
  }

  function start(doc, forPage) {
    if (forPage !== page) return;
    roots = rootsIn(doc.body);
    started = forPage;
    refresh();
    afterLoad(function () {
      withKatex(function () {
        stylesheet(function () { // at once where it has loaded already
          cssReady = true;
          if (forPage === page) kick();
        });
      });
    });
  }

  // Called in Material's document$ callback, i.e. inside the bundle's task: only schedules.
  function onPage(doc) {
    var forPage = ++page;
    queue = [];
    deferred = [];
    roots = [];
    started = 0;
    running = false;
    cssReady = false; // a new page may have left the old stylesheet behind: look again
    stats.state = "waiting";
    setTimeout(function () { start(doc, forPage); }, 0);
  }

  document.addEventListener("click", onActivate, true);
  document.addEventListener("keydown", onActivate, true);
  document.addEventListener("pl:content", onContent);
  new MutationObserver(onOpen).observe(document, { attributes: true, attributeFilter: ["open"], subtree: true });

  if (typeof document$ !== "undefined") {
    document$.subscribe(onPage); // Material's page observable, also under instant navigation
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { onPage(document); });
  } else {
    onPage(document);
  }
})();
