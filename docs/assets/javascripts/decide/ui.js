// Loaded on every page (extra_javascript, type: module), and small: it loads the decision
// tool's code (tool.js, which imports scoring.js) only on the page that has the tool's
// root element, #decide-tool, so the other pages fetch none of it.
const root = document.getElementById("decide-tool");
if (root) {
  import("./tool.js")
    .then(({ start }) => start(root))
    .catch((error) => {
      root.textContent =
        "The decision tool could not load its data; the tables below hold the same rules.";
      console.error(error);
    });
}
