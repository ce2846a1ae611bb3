/*
 * Accessibility repairs to Dash 4.4's own components, for what their props cannot say.
 *
 * - dcc.Dropdown puts a hidden <input aria-hidden="true" tabindex="0"> before its button (a
 *   Safari workaround: it takes the Tab stop and hands focus to the button, which has
 *   tabindex="-1"). A focusable element hidden from assistive technology breaks WCAG 4.1.2
 *   (axe: aria-hidden-focus): a screen reader lands on nothing. Here the button itself takes the
 *   Tab stop and the stand-in is disabled. (Safari with its default settings skips every
 *   button on Tab, ours included; Option+Tab reaches them.)
 * - The dropdown's button is named by its value alone (aria-labelledby), so "Library service"
 *   was never read out: it is named by its <label for=...>, then by what it shows. Its pop-up,
 *   said to be a listbox, is a dialog (Radix's Popover) holding a search box and the options:
 *   it is said to be a dialog, named by the same label.
 * - Its open list is role="listbox" of <label role="option"> each holding a radio button (a
 *   checkbox when several can be chosen), which Dash focuses and the keys move between:
 *   interactive controls nested in options, and a list without a name (axe: nested-interactive,
 *   aria-input-field-name). The options are left as what they are, labelled radio buttons
 *   (checkboxes) in a group named by the dropdown's label. A long list draws one option out of
 *   sight, in an aria-hidden box, to measure its width: that box is made inert.
 * - dcc.Upload's <input type="file"> has no name (WCAG 1.3.1, 4.1.2; axe: label). An Upload
 *   with id X is named by the element with id X-label inside it (layouts give its visible
 *   words that id).
 *
 * React sets these attributes when a component mounts and leaves them alone while its props
 * stay the same, so each element is repaired once, when it appears.
 */
(function () {
  "use strict";

  function labelFor(id) {
    var label = document.querySelector('label[for="' + CSS.escape(id) + '"]');
    if (label && !label.id) { label.id = id + "--label"; }
    return label;
  }

  var repaired = new WeakSet();

  function repairDropdown(button) {
    if (repaired.has(button)) { return; }
    repaired.add(button);
    var wrapper = button.parentElement;
    var standIn = wrapper && wrapper.querySelector(":scope > .dash-dropdown-focus-target");
    if (standIn && !standIn.disabled) { standIn.disabled = true; }
    if (button.getAttribute("tabindex") !== "0") { button.setAttribute("tabindex", "0"); }
    // Its pop-up is a dialog (Radix's Popover), holding a search box and the options.
    button.setAttribute("aria-haspopup", "dialog");
    var label = button.id && labelFor(button.id);
    // Named by its label, then by what it shows in the order it is seen: the values, then "2
    // selected" when several are chosen (Dash puts the count first, so what was read out did
    // not hold what is shown: WCAG 2.5.3; axe: label-content-name-mismatch).
    var names = (button.getAttribute("aria-labelledby") || "").split(/\s+/).filter(Boolean);
    var found = names.filter(function (id) { return document.getElementById(id); });
    found.sort(function (a, b) {
      var order = document.getElementById(a).compareDocumentPosition(document.getElementById(b));
      return order & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1;
    });
    names = found.concat(names.filter(function (id) { return found.indexOf(id) < 0; }));
    if (label) { names.unshift(label.id); }
    button.setAttribute("aria-labelledby", names.join(" "));
  }

  function dropdownLabel(element) {
    var wrapper = element.closest(".dash-dropdown-wrapper");
    var button = wrapper && wrapper.querySelector(":scope > button.dash-dropdown");
    return button && button.id ? labelFor(button.id) : null;
  }

  function nameAfterLabel(element) {
    var label = dropdownLabel(element);
    if (label && element.getAttribute("aria-labelledby") !== label.id) {
      element.setAttribute("aria-labelledby", label.id);
    }
  }

  function repairOptionsList(list) {
    var multi = Array.prototype.some.call(list.querySelectorAll('input[type="checkbox"]'),
      function (input) { return !input.closest('[aria-hidden="true"]'); });  // not the sizer's
    var role = multi ? "group" : "radiogroup";
    if (list.getAttribute("role") !== role) { list.setAttribute("role", role); }
    nameAfterLabel(list);
    list.querySelectorAll('[role="option"]').forEach(function (option) {
      option.removeAttribute("role");
      option.removeAttribute("aria-selected");
    });
    list.querySelectorAll('[aria-hidden="true"]:not([inert])').forEach(function (box) {
      box.inert = true;
    });
  }

  function repairUpload(input) {
    if (input.hasAttribute("aria-labelledby") || input.hasAttribute("aria-label")) { return; }
    var upload = input.parentElement && input.parentElement.closest("[id]");
    var label = upload && document.getElementById(upload.id + "-label");
    if (label) { input.setAttribute("aria-labelledby", label.id); }
  }

  function repair() {
    document.querySelectorAll("button.dash-dropdown").forEach(repairDropdown);
    document.querySelectorAll(".dash-dropdown-content").forEach(nameAfterLabel);
    document.querySelectorAll(".dash-dropdown-content .dash-options-list")
      .forEach(repairOptionsList);
    document.querySelectorAll('input[type="file"]').forEach(repairUpload);
  }

  function start() {
    repair();
    // Pages are drawn and redrawn by Dash after load: repair what each change adds.
    new MutationObserver(repair).observe(document.body, {childList: true, subtree: true});
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
