/* Functions named in Shelfmark's dash-ag-grid column definitions (served locally). */
var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});

/* Sort the league table's "3rd of 14" text by the rank's number; withheld ranks go last. */
dagfuncs.rankOrder = function (valueA, valueB, nodeA, nodeB) {
  function position(node) {
    var n = node && node.data ? node.data.rank_n : null;
    return n === null || n === undefined ? Infinity : n;
  }
  var a = position(nodeA), b = position(nodeB);
  return a === b ? 0 : a < b ? -1 : 1;
};
