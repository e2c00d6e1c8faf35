// Accessibility fixes to Material for MkDocs' markup that CSS cannot make
// (docs/assets/stylesheets/guide.css, part 1, has the rest); tests/docs/test_accessibility.py
// checks every page with axe-core.
//
// - The search dialog gets a name.
// - The copy button of each code block sits in an unnamed <nav>: every code block
//   adds one more navigation landmark, all alike. They are not navigation.
// - Each section of the navigation is a <nav> named by the section's toggle, which
//   shows only an arrow when the section has an index page: every such <nav> is
//   unnamed. The toggle gets the section's name, read by assistive technology only.
// - A table wider than the column scrolls inside Material's wrapper. While it does,
//   the wrapper is a named region that takes keyboard focus (arrow keys scroll it),
//   and data-scrolls lets the stylesheet show that more columns exist.
(() => {
  // Called after layout with every wrapper whose size changed, and once for each
  // wrapper when it is first observed: all sizes are read before any attribute is
  // written, so marking many tables costs one layout, not one per table.
  const sizes = new ResizeObserver((entries) => {
    const scrolls = entries.map(({ target }) => target.scrollWidth > target.clientWidth + 1);
    for (const [index, { target }] of entries.entries()) mark(target, scrolls[index]);
  });

  function mark(wrapper, scrolls) {
    wrapper.toggleAttribute("data-scrolls", scrolls);
    if (scrolls) {
      wrapper.setAttribute("tabindex", "0");
      wrapper.setAttribute("role", "region");
      wrapper.setAttribute("aria-label", wrapper.dataset.name);
    } else {
      for (const name of ["tabindex", "role", "aria-label"]) {
        wrapper.removeAttribute(name);
      }
    }
  }

  // Each table is named after the heading above it, numbered when a heading has more.
  function nameTables() {
    const taken = new Set();
    let heading = "";
    for (const element of document.querySelectorAll(
      "article :is(h1, h2, h3, h4, h5, h6), article .md-typeset__scrollwrap",
    )) {
      if (!element.matches(".md-typeset__scrollwrap")) {
        heading = element.textContent.replace("¶", "").trim();
        continue;
      }
      const base = heading ? `Table: ${heading}` : "Table";
      let name = base;
      for (let n = 2; taken.has(name); n += 1) name = `${base} (${n})`;
      taken.add(name);
      element.dataset.name = name;
      sizes.observe(element);
    }
  }

  function fix() {
    const dialog = document.querySelector(".md-search[role='dialog']");
    dialog?.setAttribute("aria-label", "Search this site");
    for (const nav of document.querySelectorAll("nav.md-code__nav")) {
      nav.setAttribute("role", "none");
    }
    for (const nav of document.querySelectorAll("nav.md-nav[aria-labelledby]")) {
      const toggle = document.getElementById(nav.getAttribute("aria-labelledby"));
      const title = nav.querySelector(":scope > .md-nav__title");
      if (toggle && title && !toggle.textContent.trim()) {
        const name = document.createElement("span");
        name.className = "a11y-only";
        name.textContent = title.textContent.trim();
        toggle.append(name);
      }
    }
    sizes.disconnect();
    nameTables();
  }

  // Material announces each page it shows on document$, after it has wrapped the
  // tables and added the copy buttons. Loaded with `defer`, this runs after Material's
  // bundle, so document$ exists.
  if (window.document$) window.document$.subscribe(fix);
  else document.addEventListener("DOMContentLoaded", fix);
})();
