// Copy buttons: <button data-copy-target="#input-id" data-copied-text="Copied">.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy-target]");
  if (!button) return;
  const field = document.querySelector(button.dataset.copyTarget);
  if (!field) return;
  field.select();
  const done = () => { button.textContent = button.dataset.copiedText || "✓"; };
  if (navigator.clipboard) {
    navigator.clipboard.writeText(field.value).then(done, () => { document.execCommand("copy"); done(); });
  } else {
    document.execCommand("copy");
    done();
  }
});

// Confirmations: <form data-confirm="Delete this?"> asks before it is sent (no inline onsubmit under the CSP).
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});

// Progress bars: <div class="progress-bar" data-progress="40"> gets its width from script, as the CSP
// refuses inline style attributes. Runs on page load and on every htmx swap.
const progressWidths = (root) => {
  root.querySelectorAll("[data-progress]").forEach((bar) => {
    const percent = Math.min(100, Math.max(0, Number.parseFloat(bar.dataset.progress) || 0));
    bar.style.width = `${percent}%`;
  });
};
if (window.htmx) {
  window.htmx.onLoad(progressWidths);
} else {
  document.addEventListener("DOMContentLoaded", () => progressWidths(document));
}
