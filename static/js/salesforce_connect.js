// Show only the inputs of the chosen sign-in method, and the login URL only for "another login URL".
(() => {
  const form = document.getElementById("connect-form");
  if (!form) return;
  const update = () => {
    const flow = (form.querySelector("input[name=auth_flow]:checked") || {}).value;
    const environment = (form.querySelector("input[name=environment]:checked") || {}).value;
    form.querySelectorAll("[data-flows]").forEach((row) => { row.hidden = !row.dataset.flows.split(" ").includes(flow); });
    document.getElementById("login-url-row").hidden = environment !== "custom";
  };
  form.addEventListener("change", update);
  update();
})();
