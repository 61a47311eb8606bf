/* Follows a background job: polls /jobs/<id>.json and moves the progress bar.
   When the job finishes, the page reloads so the server shows the result or the error. */
(function () {
  "use strict";
  var box = document.getElementById("job-progress");
  if (!box || box.dataset.finished === "1") { return; }
  var url = box.dataset.statusUrl;
  var khmer = box.dataset.khmerDigits === "1";
  var bar = box.querySelector("[data-job-bar]");
  var fill = box.querySelector("[data-job-fill]");
  var badge = box.querySelector("[data-job-status]");
  var count = box.querySelector("[data-job-count]");
  var message = box.querySelector("[data-job-message]");
  var classes = {queued: "text-bg-secondary", running: "text-bg-primary",
                 done: "text-bg-success", failed: "text-bg-danger"};
  var delay = 1000;

  function digits(value) {
    var text = String(value);
    return khmer ? text.replace(/[0-9]/g, function (d) { return String.fromCharCode(0x17E0 + Number(d)); }) : text;
  }

  function show(job) {
    bar.setAttribute("aria-valuenow", job.percent);
    fill.style.width = job.percent + "%";
    fill.textContent = digits(job.percent) + "%";
    badge.textContent = box.dataset["label" + job.status.charAt(0).toUpperCase() + job.status.slice(1)] || job.status;
    badge.className = "badge " + (classes[job.status] || "text-bg-light");
    count.textContent = job.total ? digits(job.done) + " " + box.dataset.labelOf + " " + digits(job.total) : "";
    message.textContent = job.message || "";
  }

  function poll() {
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin", cache: "no-store"})
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (job) {
        show(job);
        if (job.finished) { window.location.reload(); return; }
        delay = 1000;
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, 10000);  // the server restarts or the network drops: retry, slower
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
})();
