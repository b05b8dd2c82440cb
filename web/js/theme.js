// SPDX-License-Identifier: Apache-2.0
// theme.js: runs before first paint (a classic, blocking script in <head>): apply the theme chosen
// with the toggle, else the system's applies through prefers-color-scheme. A file rather than an
// inline script so that the Content-Security-Policy can forbid inline scripts.
try {
  var t = localStorage.getItem("fl-theme");
  if (t === "dark" || t === "light") document.documentElement.dataset.theme = t;
} catch (e) { /* storage disabled */ }
