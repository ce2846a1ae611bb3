/* Cell renderers for Shelfmark's dash-ag-grid tables (served locally, no CDN). */
var dagcomponentfuncs = (window.dashAgGridComponentFunctions =
  window.dashAgGridComponentFunctions || {});

/* A spine chart, as in Public Health England's Fingertips profiles: the peers' range (pale),
   middle half (darker) and median (line), and the own value as a diamond coloured by quarter.
   As in Fingertips the median sits in the middle and the scale reaches the farther extreme,
   so skewed measures still show their middle half. Better is to the right: lower-is-better
   measures are drawn reversed. */
dagcomponentfuncs.Spine = function (props) {
  var s = props.value;
  var e = React.createElement;
  if (!s) {
    return e("span", { className: "text-secondary small" }, "withheld");
  }
  var width = 210, height = 26, pad = 8;
  var low = s.min, high = s.max;
  var reach = Math.max(high - s.median, s.median - low) || 1;
  function x(v) {
    var t = (v - s.median) / reach;  // -1 .. 1
    if (s.reverse) { t = -t; }
    t = Math.max(-1, Math.min(1, t));
    return width / 2 + t * (width / 2 - pad);
  }
  function fmt(v) {
    return Number(v).toLocaleString(undefined, { maximumSignificantDigits: 4 });
  }
  var colours = { best: "#009E73", middle: "#E69F00", worst: "#CC3311", none: "#0072B2" };
  var a = Math.min(x(s.q1), x(s.q3)), b = Math.max(x(s.q1), x(s.q3));
  var parts = [
    e("rect", { key: "range", x: Math.min(x(low), x(high)), y: 8,
                width: Math.max(1, Math.abs(x(high) - x(low))), height: 10, fill: "#dbe6ef" }),
    e("rect", { key: "iqr", x: a, y: 8, width: Math.max(1, b - a), height: 10,
                fill: "#7aa6cc" }),
    e("line", { key: "median", x1: x(s.median), x2: x(s.median), y1: 4, y2: 22,
                stroke: "#003087", strokeWidth: 2 }),
  ];
  if (s.own !== null && s.own !== undefined) {
    var cx = x(s.own);
    parts.push(e("path", { key: "own", d: "M" + cx + " 4 L" + (cx + 7) + " 13 L" + cx +
                           " 22 L" + (cx - 7) + " 13 Z",
                           fill: colours[s.band] || colours.none, stroke: "white",
                           strokeWidth: 1.5 }));
  }
  var label = "Peers from " + fmt(low) + " to " + fmt(high) + ", middle half " + fmt(s.q1) +
    " to " + fmt(s.q3) + ", median " + fmt(s.median) +
    (s.own !== null && s.own !== undefined ? "; this service " + fmt(s.own) : "");
  return e("svg", { width: width, height: height, role: "img", "aria-label": label },
           e("title", null, label), parts);
};
