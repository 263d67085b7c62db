/* Campaign step form: show only the sections of the action each step has chosen (a message step its
   variants and placeholders, a coupon step the coupon, …). Without scripts every section shows. */
(function () {
  "use strict";
  function sync(select) {
    var step = select.closest(".inline-related");
    if (!step) { return; }
    step.querySelectorAll("fieldset.step-section").forEach(function (section) {
      section.hidden = !select.value || !section.classList.contains("step-for-" + select.value);
    });
  }
  function syncAll(root) {
    root.querySelectorAll('select[name$="-action"]').forEach(sync);
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches('select[name$="-action"]')) { sync(event.target); }
  });
  document.addEventListener("formset:added", function (event) { syncAll(event.target); });
  document.addEventListener("DOMContentLoaded", function () { syncAll(document); });
})();
