// The import's first step: only the place the person chose (a file, pasted rows, typed points) is shown.
// Without scripts every place shows and the server still reads only the chosen one.
(() => {
  const radios = document.querySelectorAll('input[name="source"]');
  const places = document.querySelectorAll("[data-import-source]");
  if (!radios.length || !places.length) return;
  const show = () => {
    const chosen = document.querySelector('input[name="source"]:checked');
    places.forEach((place) => {
      place.hidden = !chosen || place.dataset.importSource !== chosen.value;
    });
  };
  radios.forEach((radio) => radio.addEventListener("change", show));
  show();
})();
