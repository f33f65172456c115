/* The portal's only script: small behaviours wired by data attributes and classes, so
   that pages hold no inline script and the Content-Security-Policy can forbid it. Every
   page works without it; it only makes them easier to use. */
(function () {
  "use strict";

  // Print buttons.
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-print]");
    if (target) {
      event.preventDefault();
      window.print();
    }
  });

  // Tables shown as cards on a phone: each cell carries its column's name.
  document.querySelectorAll("table.cards").forEach(function (table) {
    var names = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    table.querySelectorAll("tbody tr").forEach(function (row) {
      Array.prototype.forEach.call(row.children, function (cell, index) {
        if (names[index] && !cell.hasAttribute("data-label")) {
          cell.setAttribute("data-label", names[index]);
        }
      });
    });
  });

  // More filters: open on a desk, folded on a phone (unless some are in use).
  if (window.matchMedia("(min-width: 641px)").matches) {
    document.querySelectorAll("details.filter-more").forEach(function (details) {
      details.open = true;
    });
  }

  // The group field follows the village: its options come from the server
  // (households:group_options), the "all groups" choice kept.
  document.querySelectorAll("select[data-groups-url]").forEach(function (village) {
    var group = village.form && village.form.elements.namedItem(
      village.name.replace(/village$/, "group"));
    if (!group) { return; }
    village.addEventListener("change", function () {
      var url = village.getAttribute("data-groups-url") + "?village=" +
        encodeURIComponent(village.value);
      fetch(url, { credentials: "same-origin" }).then(function (response) {
        return response.ok ? response.text() : "";
      }).then(function (html) {
        var keep = group.querySelector('option[value=""]');
        group.innerHTML = html;
        if (keep) { group.insertBefore(keep, group.firstChild); keep.selected = true; }
        var help = group.parentNode.querySelector(".help");
        if (help && village.value) { help.hidden = true; }
      });
    });
  });

  // A patrol's hazard at a place: the phone's position fills the coordinates (the button
  // shows only where the browser can tell it; typing them stays possible).
  var locate = document.getElementById("use-location");
  if (locate && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (position) {
        document.getElementById("id_latitude").value = position.coords.latitude.toFixed(6);
        document.getElementById("id_longitude").value = position.coords.longitude.toFixed(6);
      });
    });
  }

  // A form that cannot be undone asks first (its sentence in data-confirm).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
})();
