// Erlen Users: small conveniences on top of pages that work without JavaScript.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // A close button on each flash message.
  for (const flash of document.querySelectorAll(".flash")) {
    const close = document.createElement("button");
    close.type = "button";
    close.setAttribute("aria-label", "Dismiss");
    close.textContent = "×";
    close.addEventListener("click", () => flash.remove());
    flash.append(close);
  }

  // "Copy" buttons for the API token (shown only where the clipboard API exists).
  for (const button of document.querySelectorAll("[data-copy]")) {
    const source = document.querySelector(button.dataset.copy);
    if (!source || !navigator.clipboard) continue;
    button.hidden = false;
    button.addEventListener("click", async () => {
      await navigator.clipboard.writeText(source.textContent.trim());
      button.textContent = "Copied";
    });
  }

  // "/" focuses the search box, as on many sites.
  const search = document.querySelector(".search input");
  if (search) {
    document.addEventListener("keydown", (event) => {
      const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName);
      if (event.key === "/" && !typing) {
        event.preventDefault();
        search.focus();
      }
    });
  }
});
