// SMS parts of a text (SPEC MSG-5), the same rules as marketing/messaging/segments.py, and a live counter under
// every <textarea data-sms-counter="OUTPUT_ID">; the output element carries the translated lines in
// data-template-gsm and data-template-ucs, with {characters}, {segments} and {remaining} markers.
(() => {
  const BASIC = new Set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
      "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà",
  );
  const EXTENSION = new Set("\f^{}\\[~]|€"); // an escape and the character: two septets, never split
  const GSM7 = { encoding: "GSM-7", single: 160, part: 153, double: (ch) => EXTENSION.has(ch) };
  const UCS2 = { encoding: "UCS-2", single: 70, part: 67, double: (ch) => ch.length === 2 }; // a surrogate pair

  const smsSegments = (text) => {
    const chars = Array.from(text); // code points: an emoji is one character
    const rule = chars.every((ch) => BASIC.has(ch) || EXTENSION.has(ch)) ? GSM7 : UCS2;
    let units = 0, used = 0, segments = 1;
    for (const ch of chars) { // fill parts in order; a two-unit character that doesn't fit starts the next
      const cost = rule.double(ch) ? 2 : 1;
      if (used + cost > rule.part) { segments += 1; used = 0; }
      used += cost;
      units += cost;
    }
    const count = { encoding: rule.encoding, characters: chars.length, units };
    if (units <= rule.single) {
      return { ...count, segments: units ? 1 : 0, perSegment: rule.single, remaining: rule.single - units };
    }
    return { ...count, segments, perSegment: rule.part, remaining: rule.part - used };
  };
  window.smsSegments = smsSegments;

  const wire = () => {
    const lang = document.documentElement.lang || undefined;
    document.querySelectorAll("textarea[data-sms-counter]").forEach((area) => {
      const output = document.getElementById(area.dataset.smsCounter);
      if (!output) return;
      const update = () => {
        const count = smsSegments(area.value);
        const template = (count.encoding === "GSM-7" ? output.dataset.templateGsm : output.dataset.templateUcs) || "";
        output.textContent = template.replace(
          /\{(characters|segments|remaining)\}/g,
          (_, key) => count[key].toLocaleString(lang),
        );
      };
      area.addEventListener("input", update);
      update();
    });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", wire);
  else wire();
})();
