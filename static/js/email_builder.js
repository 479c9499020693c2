// The compose screen (SPEC MSG-1, MSG-2, MSG-5): placeholders inserted at the cursor, a confirmation on
// "send now", the SMS count with the opt-out line, and the email builder (GrapesJS with the newsletter preset)
// whose HTML is written into the body field, with a raw HTML mode for experts. Without the builder's assets
// the body stays a plain HTML field.
(() => {
  const body = () => document.querySelector("textarea[data-placeholder-target]");
  let editor = null;
  let builderOn = false;

  const insertIntoTextarea = (area, text) => {
    const start = area.selectionStart ?? area.value.length;
    const end = area.selectionEnd ?? start;
    area.value = area.value.slice(0, start) + text + area.value.slice(end);
    area.selectionStart = area.selectionEnd = start + text.length;
    area.focus();
    area.dispatchEvent(new Event("input", { bubbles: true }));
  };

  // Opening the picker ends the builder's text editing, so the caret is remembered when the picker is pressed.
  let caret = null;
  document.addEventListener(
    "pointerdown",
    (event) => {
      if (!editor || !builderOn || !event.target.closest("#placeholder-picker")) return;
      const component = editor.getEditing();
      const selection = editor.Canvas.getDocument()?.getSelection();
      caret = component && selection && selection.rangeCount
        ? { component, range: selection.getRangeAt(0).cloneRange() }
        : null;
    },
    true,
  );

  const insertIntoBuilder = (text) => {
    const rte = editor.RichTextEditor && editor.RichTextEditor.globalRte;
    if (editor.getEditing() && rte) {
      rte.insertHTML(text);
      return true;
    }
    const remembered = caret;
    caret = null;
    const el = remembered && remembered.component.getEl();
    if (el && el.contains(remembered.range.startContainer)) {
      remembered.range.deleteContents();
      remembered.range.insertNode(el.ownerDocument.createTextNode(text));
      remembered.component.components(el.innerHTML);
      return true;
    }
    const target = (remembered && remembered.component) || editor.getSelected();
    if (target && target.is("text")) {
      target.append({ type: "textnode", content: text });
      return true;
    }
    return false;
  };

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-placeholder]");
    if (button) {
      const text = button.dataset.placeholder;
      if (builderOn && editor) {
        if (!insertIntoBuilder(text) && navigator.clipboard) navigator.clipboard.writeText(text);
      } else if (body()) {
        insertIntoTextarea(body(), text);
      }
      return;
    }
    const confirmed = event.target.closest("[data-confirm-click]");
    if (confirmed && !window.confirm(confirmed.dataset.confirmClick)) event.preventDefault();
  });

  const smsTotal = () => {
    const output = document.getElementById("sms-total");
    const area = body();
    if (!output || !area || !window.smsSegments) return;
    const update = () => {
      const text = `${area.value.replace(/\r\n?/g, "\n")}\n${output.dataset.optOut}`;
      const count = window.smsSegments(text);
      const lang = document.documentElement.lang || undefined;
      output.textContent = output.dataset.template
        .replace("{segments}", count.segments.toLocaleString(lang))
        .replace("{encoding}", count.encoding);
    };
    area.addEventListener("input", update);
    update();
  };

  const sync = () => {
    const area = body();
    if (!editor || !builderOn || !area) return;
    const css = editor.getCss();
    const html = editor.getHtml().replace(/^<body[^>]*>/, "").replace(/<\/body>$/, "");
    area.value = html + (css ? `<style>${css}</style>` : "");
  };

  const setMode = (mode) => {
    const builder = document.getElementById("email-builder");
    const area = body();
    if (mode === "raw") {
      sync();
      builderOn = false;
      builder.hidden = true;
      area.hidden = false;
      if (area.labels[0]) area.labels[0].hidden = false;
    } else {
      editor.setComponents(area.value || "");
      builderOn = true;
      builder.hidden = false;
      area.hidden = true;
      if (area.labels[0]) area.labels[0].hidden = true;
      editor.refresh();
    }
    document.querySelectorAll("[data-email-mode]").forEach((b) => {
      b.classList.toggle("active", b.dataset.emailMode === mode);
    });
  };

  const emailBuilder = () => {
    const builder = document.getElementById("email-builder");
    const area = document.querySelector("textarea[data-email-body]");
    if (!builder || !area || !window.grapesjs) return;
    const module = window["grapesjs-preset-newsletter"];
    const preset = module && (module.default || module);
    builder.hidden = false;
    editor = window.grapesjs.init({
      container: builder,
      height: "640px",
      cssIcons: builder.dataset.icons || "",
      storageManager: false,
      telemetry: false, // GrapesJS reports usage to its makers by default; nothing leaves the platform
      components: area.value || "",
      plugins: preset ? [preset] : [],
    });
    builderOn = true;
    area.hidden = true;
    if (area.labels[0]) area.labels[0].hidden = true;
    editor.on("update", sync);
    const modes = document.getElementById("email-mode");
    if (modes) modes.hidden = false;
    document.querySelectorAll("[data-email-mode]").forEach((b) => {
      b.addEventListener("click", () => setMode(b.dataset.emailMode));
    });
    // The body field must hold the builder's HTML before the form or the preview request reads it.
    area.form.addEventListener("submit", sync, true);
    area.form.addEventListener("htmx:configRequest", (event) => {
      if (!builderOn || event.detail.elt.id !== "preview-button") return;
      sync();
      event.detail.parameters.body = area.value;
    });
  };

  const start = () => {
    smsTotal();
    emailBuilder();
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
