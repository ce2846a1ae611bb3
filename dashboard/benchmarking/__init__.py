"""Peer benchmarking: compare a service with a group of similar services, sensitively.

- `definition`: a peer group's definition, its checks and its text forms (link, command line,
  JSON);
- `selection`: the candidates and building a group (attributes, size, nearest neighbours, by
  hand);
- `describe`: a group in words and why each member is in;
- `saved`: peer groups saved by name.

Reads and writes go through dashboard.db.peers; nothing here imports Dash.
"""
