"""Peer benchmarking: compare a service with a group of similar services, sensitively.

- `definition`: a peer group's definition, its checks and its text forms (link, command line,
  JSON);
- `selection`: the candidates and building a group (attributes, size, nearest neighbours, by
  hand);
- `describe`: a group in words, its member list and why each member is in;
- `saved`: peer groups saved by name;
- `compare`: the statistics of a service against its peers, and the sensitivity rules
  (anonymising, withholding, quartiles, percentile, rank, normalisation);
- `view`: the Benchmark page's data (its state in the URL, the group, the comparisons);
- `export`: its downloads and reports (CSV, XLSX, JSON, plain text).

Reads and writes go through dashboard.db.peers; nothing here imports Dash.
"""
