"""Snapshots of the current view: one document model (model), built from a view state (build),
rendered as PDF, PowerPoint, PNG, standalone HTML, XLSX, CSV or a ZIP bundle (render)."""
