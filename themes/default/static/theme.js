// Runs before the page paints: applies the saved colour theme (light or
// dark) so there is no flash. Without a saved choice the system decides.
(function () {
  try {
    var saved = localStorage.getItem("gtdocs-theme");
    if (saved === "light" || saved === "dark") {
      document.documentElement.setAttribute("data-theme", saved);
    }
  } catch (e) {
    /* storage disabled: follow the system */
  }
})();
