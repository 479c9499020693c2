// Suggest an API name from the label until the person types one; show the choices only for a choice field.
(() => {
  const hebrew = {"א":"a","ב":"b","ג":"g","ד":"d","ה":"h","ו":"v","ז":"z","ח":"ch","ט":"t","י":"y","כ":"k","ך":"k","ל":"l","מ":"m","ם":"m","נ":"n","ן":"n","ס":"s","ע":"a","פ":"p","ף":"f","צ":"tz","ץ":"tz","ק":"k","ר":"r","ש":"sh","ת":"t"};
  const label = document.getElementById("id_label"), apiName = document.getElementById("id_api_name");
  const kind = document.getElementById("id_kind"), choices = document.getElementById("id_choices");
  if (!label || !apiName || !kind || !choices) return;
  let edited = apiName.value !== "";
  const suggest = (text) => {
    let name = Array.from(text, (ch) => hebrew[ch] ?? ch).join("").normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/[^A-Za-z0-9]+/g, "_").replace(/^_+|_+$/g, "").toLowerCase();
    if (name && !/^[a-z]/.test(name)) name = "field_" + name;
    return name.slice(0, 64);
  };
  label.addEventListener("input", () => { if (!edited) apiName.value = suggest(label.value); });
  apiName.addEventListener("input", () => { edited = apiName.value !== ""; });
  const toggle = () => { choices.closest(".mb-3").hidden = kind.value !== "choice"; };
  kind.addEventListener("change", toggle);
  toggle();
})();
