// The pages' one behaviour beyond htmx: an answer that succeeds clears the refusal an
// earlier request left in the refusal region; a server error says so in plain words.
(function () {
  "use strict";
  document.addEventListener("htmx:afterRequest", function (event) {
    var region = document.getElementById("refusals");
    if (!region) { return; }
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status >= 200 && status < 400) {
      region.textContent = "";
    } else if (status >= 500 || status === 0) {
      region.innerHTML = "";
      var box = document.createElement("div");
      box.className = "refusal";
      box.setAttribute("role", "alert");
      box.textContent = "The platform could not answer (" + (status || "no connection") +
        "). Nothing was changed; try again, and tell your administrator if it persists.";
      region.appendChild(box);
    }
  });
}());
