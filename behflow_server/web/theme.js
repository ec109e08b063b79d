// @ts-check
// Dark (Atom One Dark) and light (One Light) themes; the choice is remembered by the browser.
import { byId } from "./dom.js";

const THEME_KEY = "behflow.theme";

/** @param {"dark" | "light"} theme */
export function applyTheme(theme) {
  document.documentElement.dataset.theme = theme;
  const toggle = byId("theme-toggle");
  const label = theme === "dark" ? "Light theme" : "Dark theme";
  toggle.textContent = theme === "dark" ? "☀" : "☾";
  toggle.title = label;
  toggle.setAttribute("aria-label", label);
}

/** @returns {"dark" | "light"} the saved choice, else the system's preference */
export function initialTheme() {
  const saved = localStorage.getItem(THEME_KEY);
  if (saved === "dark" || saved === "light") return saved;
  return window.matchMedia("(prefers-color-scheme: light)").matches ? "light" : "dark";
}

export function toggleTheme() {
  const next = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
  localStorage.setItem(THEME_KEY, next);
  applyTheme(next);
}

export function initTheme() {
  applyTheme(initialTheme());
  byId("theme-toggle").addEventListener("click", toggleTheme);
}
