// Renders math with the KaTeX that ships with the site (assets/vendor/katex), no CDN.
// hooks/math_assets.py links KaTeX and this script only on the pages that have math.
// Markdown pages: pymdownx.arithmatex (generic) wraps math in .arithmatex as \( \) and \[ \].
// Notebook pages: nbconvert leaves $...$ and $$...$$ in the markdown cells (and text/latex
// outputs) as text. A formula KaTeX cannot parse is reported with console.error.
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

  function render(root) {
    if (typeof renderMathInElement !== "function") {
      console.error("math.js: KaTeX auto-render is not loaded");
      return;
    }
    root.querySelectorAll(".arithmatex").forEach(function (el) {
      renderMathInElement(el, { delimiters: BRACKETS });
    });
    root
      .querySelectorAll(".jupyter-wrapper .jp-RenderedMarkdown, .jupyter-wrapper .jp-RenderedLatex")
      .forEach(function (el) {
        renderMathInElement(el, { delimiters: NOTEBOOK });
      });
  }

  if (typeof document$ !== "undefined") {
    document$.subscribe(function (doc) { render(doc.body); });  // Material's page observable
  } else {
    document.addEventListener("DOMContentLoaded", function () { render(document.body); });
  }
})();
