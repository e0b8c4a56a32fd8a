// The agent dashboard, live: counts offers down, and follows the event stream (which is also
// the agent's heartbeat). A change re-renders the offers and conversations in place (htmx
// fetches /agent and swaps #work), unless the agent is typing a reply; then a banner offers
// the refresh instead, so no typed words are lost.
(function () {
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".countdown").forEach(function (el) {
      var left = Math.max(0, Math.round((Date.parse(el.getAttribute("data-expires")) - now) / 1000));
      el.textContent = left > 0 ? left + " s left" : "expired";
      el.classList.toggle("urgent", left <= 5);
    });
  }
  tick();
  setInterval(tick, 1000);

  function typing() {
    return Array.prototype.some.call(document.querySelectorAll("textarea, input[name=note]"), function (el) {
      return el.value.trim() !== "";
    });
  }
  if (!window.EventSource) return;
  // Resume after the last event this page was rendered with, so nothing in between is missed.
  var after = document.getElementById("live").getAttribute("data-after") || "0";
  var stream = new EventSource("/api/v1/me/events?after=" + encodeURIComponent(after));
  // A live boost on work this agent can take: said in words, nothing to refresh.
  stream.addEventListener("boost", function (event) {
    var boost = JSON.parse(event.data);
    var until = new Date(boost.until).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    var queue = [boost.language, boost.market].concat(boost.required_skills).join(" · ");
    var alert = document.getElementById("boost-alert");
    alert.textContent = boost.waiting + " customer(s) waiting in " + queue + ": conversations there pay ×" +
      boost.multiplier.toFixed(2) + " until " + until + ". Go online to help.";
    alert.hidden = false;
  });
  ["offer", "offer_withdrawn", "assigned", "message", "closed", "presence"].forEach(function (kind) {
    stream.addEventListener(kind, function () {
      if (typing()) {
        document.getElementById("stale").hidden = false;
      } else if (window.htmx) {
        window.htmx.ajax("GET", "/agent", { target: "#work", select: "#work", swap: "outerHTML" });
      } else {
        window.location.reload();
      }
    });
  });
})();
