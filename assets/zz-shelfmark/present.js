/*
 * Presentation mode (/present): show one slide at a time, move with keys and buttons, keep the
 * slide number in the address, announce each slide, toggle full screen, leave with Escape.
 *
 * Dash loads this file on every page; it acts only while a deck (#present, built by
 * layouts/present.py) is in the page. callbacks/present.py calls `start` through a clientside
 * callback each time a deck is rendered. Every slide is already in the page, so switching is
 * instant; charts on a slide that was hidden are resized (and their text scaled with the
 * screen) when it is shown, and words that would not fit are made a little smaller. No
 * animations, so nothing moves for prefers-reduced-motion.
 */
(function () {
  "use strict";

  var IDS = {root: "present", stage: "present-stage", announce: "present-announce",
             counter: "present-counter", prev: "present-prev", next: "present-next",
             exit: "present-exit", fullscreen: "present-fullscreen"};
  var BASE_FONT_PX = 24;  // the deck's type size at 1280x720, for which charts are drawn
  var noop = function () {};

  function byId(id) { return document.getElementById(id); }
  function deck() { return byId(IDS.root); }
  function slides(root) { return root.querySelectorAll(".present-slide"); }
  function current(root) { return parseInt(root.getAttribute("data-current"), 10) || 1; }

  // --- charts -------------------------------------------------------------------------------

  function getPath(obj, path) {
    return path.split(".").reduce(function (o, key) {
      return o === null || o === undefined ? undefined : o[key];
    }, obj);
  }

  /* The font sizes a chart was drawn with (layout paths, and each trace's text size). */
  function baseSizes(gd) {
    var layout = gd.layout || {};
    var paths = ["font", "title.font", "legend.font", "hoverlabel.font"];
    Object.keys(layout).forEach(function (key) {
      if (/^[xy]axis\d*$/.test(key)) { paths.push(key + ".tickfont", key + ".title.font"); }
    });
    (layout.annotations || []).forEach(function (_, i) {
      paths.push("annotations[" + i + "].font");
    });
    var sizes = {};
    paths.forEach(function (path) {
      var size = getPath(layout, path.replace(/\[(\d+)\]/g, ".$1") + ".size");
      if (typeof size === "number") { sizes[path + ".size"] = size; }
    });
    var traces = (gd.data || []).map(function (trace) {
      var size = trace.textfont && trace.textfont.size;
      return typeof size === "number" ? size : null;
    });
    return {layout: sizes, traces: traces};
  }

  /* Resize the charts of a shown slide to it, and scale their text with the deck's type. */
  function fitCharts(root, section, attempt) {
    var graphs = section.querySelectorAll(".js-plotly-plot");
    if (!graphs.length) { return; }
    var Plotly = window.Plotly;
    var ready = Plotly && Plotly.Plots && Array.prototype.every.call(graphs, function (gd) {
      return gd._fullLayout;
    });
    if (!ready) {  // plotly.js or the first draw is still on its way
      if ((attempt || 0) < 50) {
        window.setTimeout(function () { fitCharts(root, section, (attempt || 0) + 1); }, 100);
      }
      return;
    }
    var px = parseFloat(window.getComputedStyle(root).fontSize) || BASE_FONT_PX;
    var factor = Math.max(1, Math.min(2.5, Math.round((px / BASE_FONT_PX) * 20) / 20));
    graphs.forEach(function (gd) {
      if (section.hidden) { return; }
      if (!gd._presentBase) { gd._presentBase = baseSizes(gd); }
      var done = Promise.resolve();
      if (gd._presentFactor !== factor) {
        gd._presentFactor = factor;
        var base = gd._presentBase;
        var update = {};
        Object.keys(base.layout).forEach(function (key) {
          update[key] = Math.round(base.layout[key] * factor);
        });
        done = Plotly.relayout(gd, update);
        base.traces.forEach(function (size, i) {
          if (size !== null) {
            done = done.then(function () {
              return Plotly.restyle(gd, {"textfont.size": Math.round(size * factor)}, [i]);
            });
          }
        });
      }
      done.then(function () { return Plotly.Plots.resize(gd); }).catch(noop);
    });
  }

  // --- words that do not fit -----------------------------------------------------------------

  /* Shrink a box's type in steps (to 80% at least) until its words fit without scrolling or
     being cut off. Slides are planned to fit (dashboard/presentation.py); this only catches
     what the plan could not foresee, such as an unusually long measure name. */
  function shrinkToFit(box) {
    box.style.fontSize = "";
    var scale = 1;
    while ((box.scrollHeight > box.clientHeight + 1 || box.scrollWidth > box.clientWidth + 1)
           && scale > 0.8) {
      scale = Math.round((scale - 0.05) * 100) / 100;
      box.style.fontSize = scale + "em";
    }
  }

  function fitWords(section) {
    section.querySelectorAll(".present-tile").forEach(shrinkToFit);
    if (!section.classList.contains("present-slide-panel")) { shrinkToFit(section); }
  }

  // --- moving between slides ----------------------------------------------------------------

  function show(root, number, announce) {
    var all = slides(root);
    var total = all.length;
    if (!total) { return; }
    var n = Math.min(Math.max(number, 1), total);
    var section = all[n - 1];
    all.forEach(function (s, i) { s.hidden = i !== n - 1; });
    root.setAttribute("data-current", String(n));
    var counter = byId(IDS.counter);
    if (counter) { counter.textContent = n + " / " + total; }
    var prev = byId(IDS.prev);
    var next = byId(IDS.next);
    var focused = document.activeElement;
    if (prev) { prev.disabled = n <= 1; }
    if (next) { next.disabled = n >= total; }
    // A button that has just been disabled cannot keep the focus: hand it to the other one.
    if (focused === next && next.disabled && prev) { prev.focus(); }
    if (focused === prev && prev.disabled && next) { next.focus(); }
    if (announce) {
      var live = byId(IDS.announce);
      if (live) {
        live.textContent = "Slide " + n + " of " + total + ": " +
          (section.getAttribute("data-title") || "");
      }
    }
    fitWords(section);
    var url = new URL(window.location.href);
    if (url.searchParams.get("slide") !== String(n)) {
      url.searchParams.set("slide", String(n));
      window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
    }
    window.requestAnimationFrame(function () { fitCharts(root, section, 0); });
  }

  function go(delta) {
    var root = deck();
    if (root) { show(root, current(root) + delta, true); }
  }

  function goTo(number) {
    var root = deck();
    if (root) { show(root, number, true); }
  }

  // --- full screen and leaving ----------------------------------------------------------------

  function fullscreenOn() { return !!document.fullscreenElement; }

  function toggleFullscreen() {
    if (fullscreenOn()) {
      document.exitFullscreen().catch(noop);
    } else if (document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen().catch(noop);
    }
  }

  function syncFullscreenButton() {
    var button = byId(IDS.fullscreen);
    if (!button) { return; }
    var on = fullscreenOn();
    button.setAttribute("aria-pressed", on ? "true" : "false");
    var icon = button.querySelector(".bi");  // the name stays "Full screen", pressed or not
    if (icon) { icon.className = "bi " + (on ? "bi-fullscreen-exit" : "bi-arrows-fullscreen"); }
  }

  function leave() {
    if (fullscreenOn()) { document.exitFullscreen().catch(noop); }
    var link = byId(IDS.exit);
    if (link) { link.click(); }
  }

  // --- events (listened for once; they do nothing without a deck) -------------------------------

  function onKey(event) {
    var root = deck();
    if (!root || event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    var target = event.target;
    var tag = target && target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" ||
        (target && target.isContentEditable)) {
      return;
    }
    var n = current(root);
    switch (event.key) {
      case "ArrowRight": case "Right": case "PageDown":
        show(root, n + 1, true); break;
      case "ArrowLeft": case "Left": case "PageUp":
        show(root, n - 1, true); break;
      case " ": case "Spacebar":
        if (tag === "BUTTON" || tag === "A") { return; }  // Space presses the focused button
        show(root, event.shiftKey ? n - 1 : n + 1, true); break;
      case "Home":
        show(root, 1, true); break;
      case "End":
        show(root, slides(root).length, true); break;
      case "Escape": case "Esc":
        if (fullscreenOn()) { document.exitFullscreen().catch(noop); } else { leave(); }
        break;
      case "f": case "F":
        toggleFullscreen(); break;
      default:
        return;
    }
    event.preventDefault();
  }

  function onClick(event) {
    if (!deck() || !event.target.closest) { return; }
    var control = event.target.closest("button, a");
    if (!control) { return; }
    if (control.id === IDS.next) { go(1); }
    else if (control.id === IDS.prev) { go(-1); }
    else if (control.id === IDS.fullscreen) { toggleFullscreen(); }
    else if (control.id === IDS.exit && fullscreenOn()) { document.exitFullscreen().catch(noop); }
  }

  document.addEventListener("keydown", onKey);
  document.addEventListener("click", onClick);
  document.addEventListener("fullscreenchange", syncFullscreenButton);
  window.addEventListener("resize", function () {
    var root = deck();
    if (!root) { return; }
    var section = slides(root)[current(root) - 1];
    if (section) {
      fitWords(section);
      fitCharts(root, section, 0);
    }
  });

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    shelfmarkPresent: {
      /* Show the deck's first slide (the link's), ready for keys: called when a deck renders. */
      start: function (data) {
        var root = deck();
        if (root) {
          var first = (data && data.current) || current(root);
          show(root, first, false);
          syncFullscreenButton();
          var stage = byId(IDS.stage);
          if (stage) { stage.focus({preventScroll: true}); }
        }
        return "ready";
      },
      goTo: goTo
    }
  });
}());
