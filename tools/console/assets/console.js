// The console's only script: the live view polls for new rows, the inbox asks for replays.
"use strict";
(function () {
  const status = document.getElementById("live-status");
  const body = document.querySelector("#events tbody");
  if (status && body) {
    const params = new URLSearchParams(location.search);
    let after = Number(status.dataset.after || 0);
    const keep = 1000;
    async function poll() {
      try {
        params.set("after", String(after));
        const answer = await fetch("/api/events?" + params.toString(), { cache: "no-store" });
        if (!answer.ok) throw new Error(String(answer.status));
        const news = await answer.json();
        // Newest first: insert the oldest first, so the newest ends on top.
        for (const event of news.events.slice().reverse()) {
          body.insertAdjacentHTML("afterbegin", event.html);
          body.firstElementChild.classList.add("new");
        }
        while (body.rows.length > keep) body.deleteRow(-1);
        after = news.next;
        status.textContent = news.stream_error ? "live, stream: " + news.stream_error : "live";
        status.className = "live";
      } catch (err) {
        status.textContent = "offline, retrying";
        status.className = "offline";
      }
      setTimeout(poll, 1000);
    }
    poll();
  }

  document.addEventListener("click", async function (click) {
    const button = click.target.closest("button.try-replay, button.replay");
    if (!button) return;
    const row = button.closest("tr.quarantined");
    const result = row.querySelector(".replay-result");
    const apply = button.classList.contains("replay");
    if (apply && !window.confirm("Store this body as the event it is now read as? (what the replay command does)")) return;
    result.textContent = apply ? "replaying…" : "trying…";
    try {
      const answer = await fetch("/api/replay", {
        method: "POST",
        headers: { "content-type": "application/json", "x-console-request": "1" },
        body: JSON.stringify({ pk: row.dataset.pk, apply: apply }),
      });
      const outcome = await answer.json().catch(function () {
        return { result: "failed: HTTP " + answer.status };
      });
      result.textContent = outcome.result;
      if (apply && answer.ok) row.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    } catch (err) {
      result.textContent = "failed: " + err;
    }
  });
})();
