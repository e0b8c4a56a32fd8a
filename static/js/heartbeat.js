// Keeps an online agent online while this page is open: Handoff sets an agent away when their
// heartbeat stops. Reads the interval and CSRF token from the #heartbeat element's data-….
(function () {
  var body = document.getElementById("heartbeat");
  if (!body) return;
  var every = parseInt(body.getAttribute("data-heartbeat-every") || "0", 10);
  var token = body.getAttribute("data-csrf") || "";
  if (!every || body.getAttribute("data-presence") === "offline") return;
  function beat() {
    fetch("/api/v1/me/heartbeat", { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": token } })
      .catch(function () { /* the next beat tries again */ });
  }
  beat();
  setInterval(beat, every * 1000);
})();
