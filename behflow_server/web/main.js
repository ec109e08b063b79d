// @ts-check
// Behflow web page: native ES modules against the same HTTP API as the CLI and the TUI.
import { UNAUTHORIZED } from "./api.js";
import { initAuth, showView, signOut } from "./auth.js";
import { initChat } from "./chat.js";
import { initDetail } from "./detail.js";
import { initFilters } from "./filters.js";
import { initOffline } from "./offline.js";
import { initShortcuts } from "./shortcuts.js";
import { initSubtasks } from "./subtasks.js";
import { initTasks } from "./tasks.js";
import { initTheme } from "./theme.js";

initTheme();
initAuth();
initTasks();
initDetail();
initSubtasks();

initFilters();
initChat();
initShortcuts();
initOffline();
window.addEventListener(UNAUTHORIZED, () => signOut("Your session ended; log in again."));
showView();
