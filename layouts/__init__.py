"""Component trees for Shelfmark's pages: functions of data, returning Dash components."""
