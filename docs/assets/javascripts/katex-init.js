// Render math with the vendored KaTeX on every page load, including Material's instant loads.
// Raw TeX stays hidden until it is rendered (see extra.css), so readers never see it flash.
document$.subscribe(({ body }) => {
  renderMathInElement(body, {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "$", right: "$", display: false },
      { left: "\\(", right: "\\)", display: false },
      { left: "\\[", right: "\\]", display: true },
    ],
    throwOnError: false,
  });
  document.documentElement.classList.add("kb-math-rendered");
});
