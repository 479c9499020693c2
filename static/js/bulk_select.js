// The contacts list's bulk selection: the header box ticks every row of the page; "select all" stands for
// every contact the search finds (the server gets the search, not a list of ids); the action buttons wait
// until something is chosen.
(() => {
  const form = document.getElementById("bulk-form");
  if (!form) return;
  const all = document.getElementById("bulk-all");
  const pageBox = document.getElementById("bulk-page");
  const shown = document.getElementById("bulk-chosen-count");
  const buttons = form.querySelectorAll('button[name="action"]');
  const rows = () => Array.from(document.querySelectorAll('input[name="contact"][form="bulk-form"]'));
  const everything = () => Boolean(all && all.checked);

  const update = () => {
    const boxes = rows();
    const ticked = boxes.filter((box) => box.checked).length;
    const chosen = everything() ? Number(all.dataset.count) : ticked;
    if (shown) shown.textContent = chosen.toLocaleString(document.documentElement.lang || undefined);
    buttons.forEach((button) => {
      button.disabled = chosen === 0;
    });
    if (pageBox) {
      pageBox.checked = boxes.length > 0 && ticked === boxes.length;
      pageBox.indeterminate = ticked > 0 && ticked < boxes.length;
      pageBox.disabled = everything();
    }
  };

  if (pageBox) {
    pageBox.addEventListener("change", () => {
      rows().forEach((box) => {
        box.checked = pageBox.checked;
      });
      update();
    });
  }
  const applyAll = () => {
    rows().forEach((box) => {
      if (everything()) box.checked = true;
      box.disabled = everything(); // not sent: the search stands for them
    });
    update();
  };
  if (all) {
    all.addEventListener("change", () => {
      if (!all.checked) rows().forEach((box) => { box.checked = false; });
      applyAll();
    });
  }
  document.addEventListener("change", (event) => {
    if (event.target.matches('input[name="contact"][form="bulk-form"]')) update();
  });
  applyAll();
})();
